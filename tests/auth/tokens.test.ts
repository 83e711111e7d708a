import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { token as tokenCommand } from '../../src/cli/token'
import { startHub, type Hub } from '../../src/hub'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

const dirs: string[] = []
const hubs: Hub[] = []
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.stop()
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearth-tokens-'))
  dirs.push(d)
  return d
}

/** A hub on `dir` with exactly this environment (no test admin token unless given). */
async function boot(dir: string, env: Record<string, string | undefined>, yaml?: string) {
  const printed: string[] = []
  const logs: string[] = []
  let configPath: string | undefined
  if (yaml) writeFileSync((configPath = join(dir, 'hearth.yaml')), yaml)
  const hub = await startHub({ dataDir: join(dir, 'data'), configPath, env, host: '127.0.0.1', port: 0, print: (l) => printed.push(l), logSink: (l) => logs.push(l) })
  hubs.push(hub)
  const get = (path: string, token?: string) => fetch(hub.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return { hub, printed, logs, get }
}

async function cli(dir: string, ...argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = []
  const code = await tokenCommand.run([...argv, '--data', join(dir, 'data')], { env: {}, out: (l) => out.push(l) })
  return { code, out }
}

describe('admin token bootstrap (issue #7)', () => {
  test('a generated admin token is printed once at first start and never again; it works', async () => {
    const dir = tempDir()
    const first = await boot(dir, {})
    const lines = first.printed.filter((l) => /hth_/.test(l))
    expect(lines).toHaveLength(1)
    const token = /(hth_\S+)/.exec(lines[0]!)![1]!
    expect((await first.get('/api/v1/tokens', token)).status).toBe(200)
    expect(first.logs.join('\n')).not.toContain(token)
    await first.hub.stop()
    hubs.length = 0

    const second = await boot(dir, {})
    expect(second.printed).toEqual([])
    expect(second.logs.join('\n')).not.toContain('hth_')
    expect((await second.get('/api/v1/tokens', token)).status).toBe(200)
  })

  test('HEARTH_ADMIN_TOKEN is the admin token; rotating it invalidates the old one', async () => {
    const dir = tempDir()
    const a = await boot(dir, { HEARTH_ADMIN_TOKEN: 'hth_first_admin_token_for_rotation_test' })
    expect(a.printed).toEqual([])
    expect((await a.get('/api/v1/tokens', 'hth_first_admin_token_for_rotation_test')).status).toBe(200)
    const login = await fetch(`${a.hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: 'hth_first_admin_token_for_rotation_test' }), redirect: 'manual' })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    expect((await fetch(`${a.hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(200)
    await a.hub.stop()
    hubs.length = 0

    const b = await boot(dir, { HEARTH_ADMIN_TOKEN: 'hth_second_admin_token_for_rotation_test' })
    expect((await b.get('/api/v1/tokens', 'hth_second_admin_token_for_rotation_test')).status).toBe(200)
    expect((await b.get('/api/v1/tokens', 'hth_first_admin_token_for_rotation_test')).status).toBe(401)
    // The panel session opened with the old token ended with it.
    expect((await fetch(`${b.hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(401)
  })

  test('auth.enabled: false logs a warning at every start and lets requests through', async () => {
    const dir = tempDir()
    const yaml = 'auth:\n  enabled: false\n'
    for (let i = 0; i < 2; i++) {
      const run = await boot(dir, {}, yaml)
      const warnings = run.logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn' && /auth is disabled/.test(l.msg))
      expect(warnings).toHaveLength(1)
      expect(run.printed).toEqual([])
      expect((await run.get('/api/v1/info')).status).toBe(200)
      await run.hub.stop()
      hubs.length = 0
    }
  })
})

describe('hearth token (CLI)', () => {
  test('create prints the token once, list shows it without the secret, revoke ends it for a running hub', async () => {
    const dir = tempDir()
    const { hub, get } = await boot(dir, { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN })
    const created = await cli(dir, 'create', '--name', 'kitchen', '--scopes', 'chat,tools:list', '--expires-in-hours', '24')
    expect(created.code).toBe(0)
    const secret = created.out[0]!
    expect(secret).toMatch(/^hth_[A-Za-z0-9_-]{43}$/)
    expect(created.out[1]).toContain('shown only this once')
    expect((await get('/api/v1/info', secret)).status).toBe(200)
    expect((await get('/api/v1/tokens', secret)).status).toBe(403)

    const listed = await cli(dir, 'list')
    const text = listed.out.join('\n')
    expect(text).toContain('kitchen')
    expect(text).toContain('chat,tools:list')
    expect(text).not.toContain(secret)
    expect(listed.out.find((l) => l.startsWith('kitchen'))).toMatch(/\d{4}-\d\d-\d\dT[\d:]+Z\s+active$/)

    expect((await cli(dir, 'revoke', 'kitchen')).code).toBe(0)
    expect((await get('/api/v1/info', secret)).status).toBe(401)
    expect((await cli(dir, 'list')).out.find((l) => l.startsWith('kitchen'))).toEndWith('revoked')
    expect(hub.url).toBeTruthy()
  })

  test('bad usage is refused with a clear message', async () => {
    const dir = tempDir()
    await expect(cli(dir, 'create', '--name', 'x')).rejects.toThrow('--scopes is required')
    await expect(cli(dir, 'create', '--name', 'x', '--scopes', 'root')).rejects.toThrow('scopes must be some of')
    await expect(cli(dir, 'create', '--name', 'x', '--scopes', 'chat', '--expires-in-hours', '0')).rejects.toThrow('positive number')
    await expect(cli(dir, 'revoke', 'ghost')).rejects.toThrow('no active token named "ghost"')
    await expect(cli(dir, 'frobnicate')).rejects.toThrow('usage')
  })
})

describe('/api/v1/tokens', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub()
  })
  afterAll(() => hub.close())

  const create = (body: unknown, token?: string | null) => hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify(body), token })

  test('create returns the token once; list never shows a secret or hash; last use is recorded', async () => {
    const res = await create({ name: 'tv', scopes: ['chat'] })
    expect(res.status).toBe(201)
    const made = (await res.json()) as { token: string; name: string; scopes: string[]; expiresAt: string | null }
    expect(made).toMatchObject({ name: 'tv', scopes: ['chat'], expiresAt: null })
    expect((await hub.api('/api/v1/info', { token: made.token })).status).toBe(200)

    const list = await (await hub.api('/api/v1/tokens')).text()
    expect(list).not.toContain(made.token)
    expect(list).not.toContain('hash')
    const tv = (JSON.parse(list) as { name: string; lastUsedAt: string | null; createdAt: string }[]).find((t) => t.name === 'tv')!
    expect(tv.lastUsedAt).not.toBeNull()
    expect(Date.parse(tv.createdAt)).toBeLessThanOrEqual(Date.now())
  })

  test('an expired token is refused', async () => {
    const res = await create({ name: 'brief', scopes: ['chat'], expires_in_hours: 0.0001 })
    const { token, expiresAt } = (await res.json()) as { token: string; expiresAt: string }
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThan(400)
    expect((await hub.api('/api/v1/info', { token })).status).toBe(200)
    await Bun.sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 20)
    expect((await hub.api('/api/v1/info', { token })).status).toBe(401)
  })

  test('revoke via the API; a revoked token is refused; a second revoke is 404', async () => {
    const { token } = (await (await create({ name: 'guest', scopes: ['chat'] })).json()) as { token: string }
    expect((await hub.api('/api/v1/tokens/guest', { method: 'DELETE' })).status).toBe(204)
    expect((await hub.api('/api/v1/info', { token })).status).toBe(401)
    expect((await hub.api('/api/v1/tokens/guest', { method: 'DELETE' })).status).toBe(404)
  })

  test('wrong types, unknown scopes, duplicates and non-admin callers are refused', async () => {
    for (const body of [
      { name: 5, scopes: ['chat'] },
      { name: 'x', scopes: 'chat' },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: ['chat'], expires_in_hours: 'soon' },
      { name: 'x', scopes: ['chat'], expires_in_hours: -3 },
      { name: 'bad name!', scopes: ['chat'] },
      [],
      null,
    ]) {
      const res = await create(body)
      expect({ body, status: res.status }).toEqual({ body, status: 400 })
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request')
    }
    expect((await create({ name: 'dup', scopes: ['chat'] })).status).toBe(201)
    expect((await create({ name: 'dup', scopes: ['chat'] })).status).toBe(409)
    const { token } = (await (await create({ name: 'chatter', scopes: ['chat'] })).json()) as { token: string }
    expect((await create({ name: 'escalate', scopes: ['admin'] }, token)).status).toBe(403)
    expect((await create({ name: 'anon', scopes: ['admin'] }, null)).status).toBe(401)
  })
})
