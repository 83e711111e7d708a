#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need from Debian when it is missing (real
# mosquitto for MQTT, real chromium for the admin panel, qemu for the arm64 smoke), then ends with
# one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]} (needed by the tests)"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules ] || bun install --frozen-lockfile

out=$(mktemp)
bun test "$@" 2>&1 | tee "$out"
code=${PIPESTATUS[0]}
passed=$(grep -Eo '^ *[0-9]+ pass$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$out" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$out"
[ "$code" -ne 0 ] && [ "$failed" = 0 ] && failed=1
echo "${passed} passed, ${failed} failed"
exit "$code"
