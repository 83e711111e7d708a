import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Registry } from '../../src/mcp/registry'
import { textResult } from '../../src/mcp/types'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

const ENV = {
  OPENAI_API_KEY: 'sk-test-openai-9f8e7d6c5b4a39281706',
  ANTHROPIC_API_KEY: 'sk-ant-test-1a2b3c4d5e6f7a8b9c0d',
  GEMINI_API_KEY: 'AIzaTestGemini0123456789abcdefXYZ',
  GITHUB_TOKEN: 'ghp_testGithubToken0123456789abcdef',
  MQTT_PASSWORD: 'mqtt-test-password-77',
  HEARTH_LOG_LEVEL: 'debug',
}
const NEW_KEY = 'sk-test-set-at-runtime-5566778899'

const YAML = `
providers:
  openai: { kind: openai, api_key: "\${OPENAI_API_KEY}", model: gpt-4o-mini, base_url: "http://127.0.0.1:9/v1" }
  anthropic: { kind: anthropic, api_key: "\${ANTHROPIC_API_KEY}", model: claude-sonnet-4-5 }
  gemini: { kind: gemini, api_key: "\${GEMINI_API_KEY}", model: gemini-2.5-flash }
mcp:
  servers:
    github: { url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer \${GITHUB_TOKEN}" }, enabled: false }
home:
  mqtt_url: mqtt://127.0.0.1:9
  password: "\${MQTT_PASSWORD}"
`

/**
 * SPEC §9 / issue #7: API keys and tokens never appear in logs, error messages, API responses or
 * the admin panel. Every surface this hub has is exercised (good calls, bad calls, error paths),
 * and every log line and every response body is searched for every secret.
 */
describe('no secret leaks (issue #7)', () => {
  let hub: TestHub
  const bodies: { what: string; text: string }[] = []
  let created = ''

  const record = async (what: string, res: Response) => {
    const text = await res.text()
    bodies.push({ what: `${what} → ${res.status}`, text: text + '\n' + [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n') })
    return { status: res.status, text }
  }

  beforeAll(async () => {
    hub = await startTestHub({ yaml: YAML, env: ENV })
    const routes = hub.app.routes.map((r) => ({ method: r.method === 'WS' ? 'GET' : r.method, path: r.path.replace(/:[^/]+/g, 'x') }))
    const auths: [string, Record<string, string>][] = [
      ['admin', { authorization: `Bearer ${ADMIN_TOKEN}` }],
      ['none', {}],
      ['wrong', { authorization: 'Bearer hth_wrong_token' }],
      ['query', {}],
    ]
    for (const { method, path } of routes) {
      for (const [who, headers] of auths) {
        const url = hub.url + path + (who === 'query' ? `?token=${ADMIN_TOKEN}` : '')
        const hasBody = method !== 'GET' && method !== 'HEAD'
        await record(`${who} ${method} ${path}`, await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: hasBody ? '{"bad":' : undefined, redirect: 'manual' }))
        if (hasBody) await record(`${who} ${method} ${path} typed`, await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: [ADMIN_TOKEN], token: [ADMIN_TOKEN], scopes: [ENV.OPENAI_API_KEY], set: 7 }), redirect: 'manual' }))
      }
    }
    // A token is shown once, in its create response; that body is the one place it may appear.
    const made = await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'kitchen', scopes: ['chat', 'tools:call'] }) })
    created = ((await made.json()) as { token: string }).token
    await record('info with created token', await hub.api('/api/v1/info', { token: created }))
    await record('config with created token', await hub.api('/api/v1/config', { token: created }))
    await record('tokens list', await hub.api('/api/v1/tokens'))
    await record('config', await hub.api('/api/v1/config'))
    await record('set a provider key', await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'providers.openai.api_key': NEW_KEY } }) }))
    await record('set a bad key', await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'providers.openai.api_key': 42, 'providers.nope.api_key': ENV.ANTHROPIC_API_KEY } }) }))
    await record('config after', await hub.api('/api/v1/config'))
    await record('login wrong', await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ENV.OPENAI_API_KEY }) }))
    const login = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual' })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    await record('dashboard', await fetch(`${hub.url}/admin`, { headers: { cookie } }))
    await record('panel config', await fetch(`${hub.url}/api/v1/config`, { headers: { cookie } }))
    await record('panel write without csrf', await fetch(`${hub.url}/api/v1/tokens`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' }))
    // Tool calls with secrets in their arguments reach the audit log redacted.
    const registry = new Registry({ onCall: hub.services.auth.audit.record })
    registry.register({ name: 'config_set', description: 'set', source: 'builtin', inputSchema: { type: 'object' }, handler: async () => textResult('ok') })
    await registry.call('config_set', { key: 'providers.openai.api_key', value: NEW_KEY }, { signal: new AbortController().signal, actor: 'admin', surface: 'mcp' })
    await registry.call('config_set', { api_key: ENV.GEMINI_API_KEY, nested: { token: created } }, { signal: new AbortController().signal, actor: 'admin', surface: 'rest' })
    await record('audit', await hub.api('/api/v1/audit'))
    await record('mcp with bad host', await hub.api('/mcp', { method: 'POST', headers: { host: 'evil.example' }, body: '{}' }))
    await record('rate limit path', await hub.api('/api/v1/nope'))
    // Revoked and rotated tokens do not come back in errors either.
    await hub.api('/api/v1/tokens/kitchen', { method: 'DELETE' })
    await record('revoked', await hub.api('/api/v1/info', { token: created }))
  })
  afterAll(() => hub.close())

  test('the run touched every route and produced logs to search', () => {
    expect(bodies.length).toBeGreaterThan(hub.app.routes.length * 4)
    expect(hub.logs.some((l) => l.includes('admin session opened'))).toBe(true)
  })

  test('no response body or header holds any secret', () => {
    const secrets = [...Object.entries(ENV).filter(([k]) => k !== 'HEARTH_LOG_LEVEL').map(([, v]) => v), ADMIN_TOKEN, created, NEW_KEY]
    const leaks = bodies.flatMap(({ what, text }) => secrets.filter((s) => text.includes(s)).map((s) => `${what} leaks ${s.slice(0, 8)}…`))
    expect(leaks).toEqual([])
  })

  test('no log line holds any secret', () => {
    const secrets = [...Object.entries(ENV).filter(([k]) => k !== 'HEARTH_LOG_LEVEL').map(([, v]) => v), ADMIN_TOKEN, created, NEW_KEY]
    const leaks = hub.logs.flatMap((line) => secrets.filter((s) => line.includes(s)).map((s) => `${line.slice(0, 120)} leaks ${s.slice(0, 8)}…`))
    expect(leaks).toEqual([])
  })

  test('nor does the database hold a token, a session id or a redacted argument in clear', () => {
    const dump = JSON.stringify([
      hub.services.db.sqlite.query('SELECT * FROM tokens').all(),
      hub.services.db.sqlite.query('SELECT * FROM sessions').all(),
      hub.services.db.sqlite.query('SELECT * FROM audit').all(),
    ])
    for (const s of [ADMIN_TOKEN, created, NEW_KEY, ENV.GEMINI_API_KEY]) expect(dump).not.toContain(s)
  })
})
