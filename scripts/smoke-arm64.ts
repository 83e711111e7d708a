/**
 * `bun run smoke:arm64`: the Raspberry Pi binary, run here under qemu-user, answers a healthy
 * `/api/v1/health` from an empty working directory on an empty data dir, then stops on SIGTERM.
 * Needs `qemu-user-static` and `libc6-arm64-cross` (Debian); binfmt is not registered, so qemu is
 * called explicitly with the arm64 loader's folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshBinary } from './build'

const QEMU = '/usr/bin/qemu-aarch64-static'
const SYSROOT = '/usr/aarch64-linux-gnu'
const START_TIMEOUT_MS = 60_000

async function main(): Promise<number> {
  for (const need of [QEMU, SYSROOT]) {
    if (!existsSync(need)) {
      console.error(`smoke:arm64: ${need} is missing (apt-get install qemu-user-static libc6-arm64-cross)`)
      return 2
    }
  }
  const t0 = performance.now()
  const binary = await freshBinary('arm64')
  console.log(`binary: ${binary} (ready in ${Math.round(performance.now() - t0)} ms)`)

  const dir = mkdtempSync(join(tmpdir(), 'hearth-arm64-'))
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const proc = Bun.spawn(
    [QEMU, '-L', SYSROOT, binary, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')],
    { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HEARTH_ADMIN_TOKEN: 'hth_arm64_smoke_token_0123456789' }, stdout: 'pipe', stderr: 'pipe' },
  )
  const stderr = new Response(proc.stderr).text()
  const started = performance.now()
  try {
    let health: { status?: string; version?: string } | undefined
    while (performance.now() - started < START_TIMEOUT_MS && proc.exitCode === null) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
        if (res.status === 200) {
          health = (await res.json()) as typeof health
          break
        }
      } catch {
        // not listening yet
      }
      await Bun.sleep(100)
    }
    if (!health) {
      proc.kill('SIGKILL')
      console.error(`smoke:arm64: FAILED, no healthy answer (exit ${proc.exitCode}): ${(await stderr).trim().split('\n').slice(-3).join(' | ')}`)
      return 1
    }
    console.log(`health: ${JSON.stringify(health)} after ${Math.round(performance.now() - started)} ms under qemu`)
    const htmx = await fetch(`http://127.0.0.1:${port}/assets/htmx.min.js`)
    console.log(`embedded htmx: HTTP ${htmx.status}, ${(await htmx.arrayBuffer()).byteLength} bytes`)
    const t1 = performance.now()
    proc.kill('SIGTERM')
    const code = await proc.exited
    console.log(`SIGTERM: exit ${code} after ${Math.round(performance.now() - t1)} ms`)
    const ok = health.status === 'ok' && htmx.status === 200 && code === 0
    console.log(ok ? 'smoke:arm64: OK' : 'smoke:arm64: FAILED')
    return ok ? 0 : 1
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

process.exit(await main())
