import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshBinary } from '../scripts/build'
import { percentile, type Bench, type BenchRow } from './types'

/**
 * SPEC §11: start to first answered request and idle RSS of the compiled x64 binary, each run
 * from an empty folder on an empty data dir (so every start also creates and migrates the database).
 * A tiny compiled `Bun.serve` is measured alongside as the floor the runtime itself costs.
 */
const RUNS = 10
const SETTLE_MS = 1000

type Sample = { startMs: number; rssMb: number; anonMb: number; fileMb: number }

function memory(pid: number): { rssMb: number; anonMb: number; fileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024
  return { rssMb: kb('VmRSS'), anonMb: kb('RssAnon'), fileMb: kb('RssFile') }
}

async function sample(cmd: string[], root: string, withRss: boolean): Promise<Sample> {
  const dir = mkdtempSync(join(root, 'run-'))
  const port = freePort()
  const t0 = performance.now()
  const proc = Bun.spawn([...cmd, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', join(dir, 'data')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HEARTH_ADMIN_TOKEN: 'hth_bench_token_0123456789abcdef' },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  try {
    let startMs = NaN
    while (performance.now() - t0 < 10_000 && proc.exitCode === null) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
        if (res.status === 200) {
          startMs = performance.now() - t0
          break
        }
      } catch {
        await Bun.sleep(1)
      }
    }
    if (Number.isNaN(startMs)) throw new Error(`no healthy answer from ${cmd.join(' ')} (exit ${proc.exitCode})`)
    let mem = { rssMb: NaN, anonMb: NaN, fileMb: NaN }
    if (withRss) {
      await Bun.sleep(SETTLE_MS)
      mem = memory(proc.pid)
    }
    return { startMs, ...mem }
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A port that was free a moment ago (a random one collided with other processes on a busy box). */
function freePort(): number {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = server.port!
  server.stop(true)
  return port
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50)

const bench: Bench = {
  name: 'binary',
  async run(): Promise<BenchRow[]> {
    const root = mkdtempSync(join(tmpdir(), 'hearth-bench-bin-'))
    try {
      const binary = await freshBinary('x64')
      await sample([binary], root, false) // warm the page cache: we measure start-up, not the disk
      const runs: Sample[] = []
      for (let i = 0; i < RUNS; i++) runs.push(await sample([binary], root, true))

      // The floor: the same runtime serving one route, nothing of Hearth in it.
      const tinySrc = join(root, 'tiny.ts')
      writeFileSync(tinySrc, "const a = process.argv; const port = Number(a[a.indexOf('--port') + 1]); Bun.serve({ hostname: '127.0.0.1', port, fetch: () => new Response('ok') })\n")
      const tiny = join(root, 'tiny')
      const built = Bun.spawnSync([process.execPath, 'build', '--compile', '--production', '--bytecode', '--format=esm', '--minify', `--outfile=${tiny}`, tinySrc], {
        env: { ...process.env, NODE_ENV: 'production' },
      })
      const floor = built.exitCode === 0 ? await sample([tiny], root, true) : undefined

      const starts = runs.map((r) => r.startMs).sort((a, b) => a - b)
      const rows: BenchRow[] = [
        { measure: 'start to first answered request (median)', value: median(starts), unit: 'ms', budget: '<= 80', note: `${RUNS} runs, min ${starts[0]!.toFixed(1)}, max ${starts.at(-1)!.toFixed(1)}` },
        {
          measure: 'idle RSS after 1 s (median)',
          value: median(runs.map((r) => r.rssMb)),
          unit: 'MB',
          budget: '<= 50',
          note: `anon ${median(runs.map((r) => r.anonMb)).toFixed(1)} MB + file-backed ${median(runs.map((r) => r.fileMb)).toFixed(1)} MB (binary pages)`,
        },
      ]
      if (floor) {
        rows.push({ measure: 'floor: compiled Bun.serve hello, idle RSS', value: floor.rssMb, unit: 'MB', note: `start ${floor.startMs.toFixed(1)} ms; what the runtime costs before any Hearth code` })
      }
      return rows
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  },
}

export default bench
