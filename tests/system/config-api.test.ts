import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConfigEntry } from '../../src/core/config'
import type { HearthEvent } from '../../src/core/events'
import { startHub, type Hub } from '../../src/hub'
import { runCli } from '../helpers/cli'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

const hubs: TestHub[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const h of hubs) await h.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const YAML = `server: { port: 8123 }
chat: { max_tool_hops: 4 }
providers:
  openai: { kind: openai, api_key: "\${OPENAI_API_KEY}", model: gpt-4o-mini }
`
const SECRET = 'sk-test-env-secret-000111'

async function hubWith(yaml = YAML): Promise<TestHub> {
  const hub = await startTestHub({ yaml, env: { OPENAI_API_KEY: SECRET } })
  hubs.push(hub)
  return hub
}

async function entries(hub: TestHub): Promise<Record<string, ConfigEntry>> {
  const res = await hub.api('/api/v1/config')
  expect(res.status).toBe(200)
  const body = (await res.json()) as { config: ConfigEntry[] }
  return Object.fromEntries(body.config.map((e) => [e.key, e]))
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await Bun.sleep(20)
  }
}

function events(hub: Hub): HearthEvent[] {
  const seen: HearthEvent[] = []
  hub.services.bus.onAny((e) => seen.push(e))
  return seen
}

describe('GET /api/v1/config', () => {
  test('effective values with their source; an API key from the environment never appears', async () => {
    const hub = await hubWith()
    const res = await hub.api('/api/v1/config')
    const text = await res.text()
    expect(text).not.toContain(SECRET)
    const byKey = await entries(hub)
    expect(byKey['server.port']).toEqual({ key: 'server.port', value: 8123, source: 'file' })
    expect(byKey['server.host']).toEqual({ key: 'server.host', value: '0.0.0.0', source: 'default' })
    expect(byKey['providers.openai.api_key']).toEqual({ key: 'providers.openai.api_key', value: '***', source: 'file' })
  })

  test('needs the admin scope', async () => {
    const hub = await hubWith()
    expect((await hub.api('/api/v1/config', { token: null })).status).toBe(401)
    expect((await hub.api('/api/v1/config', { method: 'PATCH', token: null, body: '{}' })).status).toBe(401)
  })
})

describe('PATCH /api/v1/config', () => {
  test('a valid change is applied, stored as an override, shown with its source and published', async () => {
    const hub = await hubWith()
    const seen = events(hub)
    const res = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'chat.max_tool_hops': 2 } }) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ changes: [{ key: 'chat.max_tool_hops', from: 4, to: 2, source: 'override' }] })
    expect(hub.services.config.current.chat.max_tool_hops).toBe(2)
    expect((await entries(hub))['chat.max_tool_hops']).toEqual({ key: 'chat.max_tool_hops', value: 2, source: 'override' })
    expect(seen).toEqual([{ type: 'config_changed', changes: [{ key: 'chat.max_tool_hops', from: 4, to: 2, source: 'override' }] }])

    const unset = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ unset: ['chat.max_tool_hops'] }) })
    expect(unset.status).toBe(200)
    expect((await entries(hub))['chat.max_tool_hops']).toEqual({ key: 'chat.max_tool_hops', value: 4, source: 'file' })
  })

  test('an invalid change is a 422 naming the path, and nothing is stored', async () => {
    const hub = await hubWith()
    const seen = events(hub)
    const res = await hub.api('/api/v1/config', {
      method: 'PATCH',
      body: JSON.stringify({ set: { 'chat.max_tool_hops': 3, 'chat.persistence.interval_ms': 'fast' } }),
    })
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: { code: string; message: string; details: { path: string }[] } }
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.message).toContain('chat.persistence.interval_ms')
    expect(body.error.details.map((d) => d.path)).toEqual(['chat.persistence.interval_ms'])
    expect(hub.services.config.current.chat.max_tool_hops).toBe(4)
    expect(hub.services.config.overrideKeys()).toEqual([])
    expect(hub.services.db.sqlite.query('SELECT count(*) AS n FROM config_overrides').get()).toEqual({ n: 0 })
    expect(seen).toEqual([])
  })

  test('an unknown key and a malformed body are refused too', async () => {
    const hub = await hubWith()
    const unknown = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'chat.nope': 1 } }) })
    expect(unknown.status).toBe(422)
    expect(((await unknown.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe('chat.nope')
    const bad = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: 'x' }) })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_request')
  })

  test('POST /api/v1/config/reset drops every override', async () => {
    const hub = await hubWith()
    await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'chat.max_tool_hops': 1, 'auth.session_hours': 3 } }) })
    const res = await hub.api('/api/v1/config/reset', { method: 'POST' })
    expect(res.status).toBe(200)
    expect(hub.services.config.overrideKeys()).toEqual([])
    expect(hub.services.config.current.chat.max_tool_hops).toBe(4)
  })
})

describe('hot reload while the hub runs', () => {
  test('an edit takes effect and emits config_changed; an invalid edit is logged and the last good config stays', async () => {
    const hub = await hubWith()
    const seen = events(hub)
    const path = join(hub.dir, 'hearth.yaml')
    writeFileSync(path, YAML.replace('max_tool_hops: 4', 'max_tool_hops: 6'))
    await until(() => hub.services.config.current.chat.max_tool_hops === 6)
    expect(seen).toContainEqual({ type: 'config_changed', changes: [{ key: 'chat.max_tool_hops', from: 4, to: 6, source: 'file' }] })
    expect((await entries(hub))['chat.max_tool_hops']!.value).toBe(6)

    writeFileSync(path, YAML.replace('max_tool_hops: 4', 'max_tool_hops: lots'))
    await until(() => hub.logs.some((l) => l.includes('invalid config edit refused')))
    const line = JSON.parse(hub.logs.find((l) => l.includes('invalid config edit refused'))!)
    expect(line).toMatchObject({ level: 'error', ns: 'config', path })
    expect(line.error).toContain('chat.max_tool_hops')
    expect(hub.services.config.current.chat.max_tool_hops).toBe(6)
    expect((await hub.api('/api/v1/health')).status).toBe(200)
    expect(hub.logs.join('\n')).not.toContain(SECRET)
  })

  test('log.level from the file applies without restart', async () => {
    const hub = await hubWith('log: { level: info }\n')
    await hub.api('/api/v1/health')
    await Bun.sleep(20)
    expect(hub.logs.some((l) => l.includes('"path":"/api/v1/health"'))).toBe(false) // health hits log at debug
    writeFileSync(join(hub.dir, 'hearth.yaml'), 'log: { level: debug }\n')
    await until(() => hub.services.config.current.log.level === 'debug')
    await hub.api('/api/v1/health')
    await until(() => hub.logs.some((l) => l.includes('"path":"/api/v1/health"')))
  })
})

describe('overrides and restarts', () => {
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-restart-'))
    dirs.push(dir)
    return dir
  }
  const start = (dir: string, configPath?: string) =>
    startHub({ dataDir: join(dir, 'data'), configPath, env: { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN }, host: '127.0.0.1', port: 0, logSink: () => {}, print: () => {} })

  test('runtime overrides survive a restart', async () => {
    const dir = tempDir()
    const first = await start(dir)
    first.services.config.set('chat.system_prompt', 'Be brief.')
    await first.stop()
    const second = await start(dir)
    try {
      expect(second.services.config.current.chat.system_prompt).toBe('Be brief.')
      expect(second.services.config.sourceOf('chat.system_prompt')).toBe('override')
    } finally {
      await second.stop()
    }
  })

  test('`hearth config reset` in another process reaches the running hub', async () => {
    const dir = tempDir()
    const yaml = join(dir, 'hearth.yaml')
    writeFileSync(yaml, 'chat: { max_tool_hops: 4 }\n')
    const hub = await start(dir, yaml)
    try {
      const seen = events(hub)
      hub.services.config.set('chat.max_tool_hops', 9)
      const r = await runCli(['config', 'reset', '--data', join(dir, 'data')], { cwd: dir })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe('cleared 1 runtime override(s): chat.max_tool_hops')
      await until(() => hub.services.config.current.chat.max_tool_hops === 4)
      expect(seen.at(-1)).toEqual({ type: 'config_changed', changes: [{ key: 'chat.max_tool_hops', from: 9, to: 4, source: 'file' }] })
      expect(hub.services.config.sourceOf('chat.max_tool_hops')).toBe('file')
      const again = await runCli(['config', 'reset', '--data', join(dir, 'data')], { cwd: dir })
      expect(again.stdout.trim()).toBe('no runtime overrides to clear')
    } finally {
      await hub.stop()
    }
  })
})

describe('request logging', () => {
  test('one JSON line per request with method, path, status, duration and request id', async () => {
    const hub = await hubWith()
    const mine = await hub.api('/api/v1/info', { headers: { 'x-request-id': 'trace-42' } })
    expect(mine.headers.get('x-request-id')).toBe('trace-42')
    const generated = await hub.api('/api/v1/nope')
    const id = generated.headers.get('x-request-id')!
    expect(id).toMatch(/^req_[\w-]{16}$/)
    const hostile = await hub.api('/api/v1/info', { headers: { 'x-request-id': 'a b "quoted" {}' } })
    expect(hostile.headers.get('x-request-id')).toMatch(/^req_/)
    await until(() => hub.logs.filter((l) => l.includes('"ns":"http"')).length >= 3)
    const lines = hub.logs.filter((l) => l.includes('"ns":"http"')).map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', request_id: 'trace-42', method: 'GET', path: '/api/v1/info', status: 200 })
    expect(lines[0].ms).toBeGreaterThanOrEqual(0)
    expect(lines[1]).toMatchObject({ request_id: id, path: '/api/v1/nope', status: 404 })
  })

  test('errors are logged with their status; a token in the query string never reaches the log', async () => {
    const hub = await hubWith()
    const res = await fetch(`${hub.url}/api/v1/info?token=${ADMIN_TOKEN}`)
    expect(res.status).toBe(200)
    const denied = await hub.api('/api/v1/config', { token: 'hth_wrong_token_value_123456' })
    expect(denied.status).toBe(401)
    await until(() => hub.logs.some((l) => l.includes('"status":401')))
    const text = hub.logs.join('\n')
    expect(text).not.toContain(ADMIN_TOKEN)
    expect(text).not.toContain('hth_wrong_token_value_123456')
  })
})

describe('HEARTH_LOG_LEVEL', () => {
  test('wins over log.level in the file', async () => {
    const hub = await startTestHub({ yaml: 'log: { level: debug }\n', env: { HEARTH_LOG_LEVEL: 'warn' } })
    hubs.push(hub)
    await hub.api('/api/v1/info')
    await Bun.sleep(20)
    expect(hub.logs.filter((l) => l.includes('"ns":"http"'))).toEqual([])
    expect(hub.logs.some((l) => l.includes('"level":"info"'))).toBe(false)
  })

  test('an unknown level is reported, not silently turned into a mute logger', async () => {
    const hub = await startTestHub({ env: { HEARTH_LOG_LEVEL: 'loud' } })
    hubs.push(hub)
    expect(hub.logs.some((l) => l.includes('HEARTH_LOG_LEVEL ignored') && l.includes('"value":"loud"'))).toBe(true)
    await hub.api('/api/v1/info')
    await until(() => hub.logs.some((l) => l.includes('"path":"/api/v1/info"')))
  })
})
