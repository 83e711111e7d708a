import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Subprocess } from 'bun'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerStatus } from '../../src/aggregator/types'
import { ADMIN_TOKEN } from '../helpers/hub'
import { MEMORY, ROOT, until, withMarker } from './support'

/**
 * The product is the compiled binary: a Node-style server (`node script.js`) on a host where
 * `node` is not on the server's PATH runs on the binary's own Bun runtime (BUN_BE_BUN=1), and
 * stopping the binary ends it.
 */
describe('aggregator: compiled binary runs node servers on its own runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-agg-bin-'))
  const bin = join(dir, 'hearth')
  let proc: Subprocess<'ignore', 'pipe', 'pipe'>
  let url = ''

  beforeAll(async () => {
    const build = Bun.spawnSync([process.execPath, 'build', '--compile', '--production', '--format=esm', join(ROOT, 'src/main.ts'), '--outfile', bin], { stdout: 'pipe', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
    writeFileSync(
      join(dir, 'hearth.yaml'),
      `mcp:\n  servers:\n    nodeless: { command: node, args: [${JSON.stringify(MEMORY)}], env: { PATH: "/nonexistent", MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'm.jsonl'))} } }\n`,
    )
    proc = Bun.spawn([bin, 'serve', '--config', join(dir, 'hearth.yaml'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0'], {
      cwd: dir,
      env: { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const reader = proc.stdout.getReader()
    let out = ''
    while (!/listening on (http:\/\/\S+)/.test(out)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`hearth exited: ${out}`)
      out += new TextDecoder().decode(value)
    }
    url = /listening on (http:\/\/\S+)/.exec(out)![1]!
    reader.releaseLock()
  }, 30_000)
  afterAll(() => {
    proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  test('node script.js runs as BUN_BE_BUN=1 <hearth> script.js and serves its tools', async () => {
    const get = async () => (await (await fetch(`${url}/api/v1/mcp/servers/nodeless`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as ServerStatus
    const s = await until('nodeless ready', async () => ((await get()).state === 'ready' ? get() : null), 20_000)
    expect(s.tools).toBeGreaterThan(5)
    expect(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual([bin, MEMORY])
    expect(readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0')).toContain('BUN_BE_BUN=1')

    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(withMarker(`${bin}\0${MEMORY}`)).toEqual([])
  }, 30_000)
})
