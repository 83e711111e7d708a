import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pkg from '../../package.json'
import { buildBinary } from '../../scripts/build'
import { runCli, startServer, type RunningServer } from '../helpers/cli'
import { startProviderFakes } from '../helpers/provider-fakes'

/**
 * STYLE §15: the binary is the product. Build the release x64 binary and run it from an EMPTY
 * folder (no drizzle/, public/, config/, node_modules/) on an empty data dir.
 */
describe('compiled x64 binary', () => {
  let root: string
  let binary: string
  let server: RunningServer | undefined
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hearth-bin-'))
    binary = await buildBinary('x64', join(root, 'dist'))
  })
  afterAll(async () => {
    if (server && server.proc.exitCode === null) await server.terminate()
    rmSync(root, { recursive: true, force: true })
  })

  test('--version and a bad flag behave as in a checkout', async () => {
    const cwd = mkdtempSync(join(root, 'cwd-'))
    const version = await runCli(['--version'], { cmd: [binary], cwd })
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
    const bad = await runCli(['serve', '--nope'], { cmd: [binary], cwd })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  })

  test('serves health, embedded assets and migrations from an empty folder, then stops on SIGTERM', async () => {
    const cwd = mkdtempSync(join(root, 'cwd-'))
    const data = join(cwd, 'data')
    server = await startServer(['serve', '--host', '127.0.0.1', '--port', '0', '--data', data], {
      cmd: [binary],
      cwd,
      env: { HEARTH_ADMIN_TOKEN: 'hth_binary_test_token_0123456789' },
    })
    const health = await fetch(`${server.url}/api/v1/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', version: pkg.version, database: { status: 'ok' } })

    const htmx = await fetch(`${server.url}/assets/htmx.min.js`)
    expect(htmx.status).toBe(200)
    expect(await htmx.text()).toBe(await Bun.file(join(import.meta.dir, '../../node_modules/htmx.org/dist/htmx.min.js')).text())
    expect((await fetch(`${server.url}/assets/app.css`)).status).toBe(200)
    const auth = { authorization: 'Bearer hth_binary_test_token_0123456789' }
    expect(await (await fetch(`${server.url}/admin`, { headers: auth })).text()).toContain('Hearth')
    // A release build: NODE_ENV=production is baked in at compile time (STACK-NOTES).
    expect(await (await fetch(`${server.url}/api/v1/info`, { headers: auth })).json()).toMatchObject({ mode: 'production' })

    const { code, ms } = await server.terminate()
    expect(code).toBe(0)
    expect(ms).toBeLessThan(2000)
    // Nothing but the data dir appeared in the working directory; the database is whole and migrated.
    expect(readdirSync(cwd)).toEqual(['data'])
    const db = new Database(join(data, 'hearth.db'), { readonly: true })
    try {
      expect((db.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n).toBeGreaterThan(0)
    } finally {
      db.close()
    }
  })

  test('the provider SDKs, split into chunks loaded on first use, work inside the binary', async () => {
    const fakes = startProviderFakes()
    const cwd = mkdtempSync(join(root, 'cwd-'))
    const configDir = mkdtempSync(join(root, 'config-'))
    const configPath = join(configDir, 'hearth.yaml')
    await Bun.write(configPath, fakes.yaml())
    const token = 'hth_binary_test_token_0123456789'
    const hub = await startServer(['serve', '--host', '127.0.0.1', '--port', '0', '--config', configPath, '--data', join(cwd, 'data')], {
      cmd: [binary],
      cwd,
      env: { HEARTH_ADMIN_TOKEN: token },
    })
    try {
      for (const name of ['openai', 'anthropic', 'gemini']) {
        const res = await fetch(`${hub.url}/api/v1/providers/${name}/test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
        expect({ name, body: await res.json() }).toMatchObject({ name, body: { ok: true } })
      }
    } finally {
      expect((await hub.terminate()).code).toBe(0)
      await fakes.stop()
    }
  })

  test('BUN_BE_BUN=1 turns it into the bun CLI (how Node-style stdio MCP servers run on a Pi)', async () => {
    const cwd = mkdtempSync(join(root, 'cwd-'))
    const r = await runCli(['--version'], { cmd: [binary], cwd, env: { BUN_BE_BUN: '1' } })
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(Bun.version)
  })
})
