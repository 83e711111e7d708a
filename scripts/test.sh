#!/usr/bin/env bash
# `bun run test`: the whole suite, ending with one line "N passed, N failed". Installs the Debian
# packages the tests drive for real when they are missing (mosquitto for MQTT, chromium for the
# admin panel, Debian's python3 with websockets for the Python client test), so the README's one
# test command works on a fresh machine.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v chromium >/dev/null || need+=(chromium)
/usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -d node_modules ] || bun install --frozen-lockfile

out=$(mktemp)
trap 'rm -f "$out"' EXIT
bun test "$@" 2>&1 | tee "$out"
code=${PIPESTATUS[0]}
passed=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
# A crash or a failing hook can fail the run with no "fail" count: never report that as green.
if [ "$code" -ne 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
exit "$code"
