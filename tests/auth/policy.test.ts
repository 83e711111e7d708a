import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { createApp } from '../../src/app'
import { isOpen, requiredScope } from '../../src/auth/policy'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

/** Every route of the built app as a concrete request (params filled, WS as its upgrade GET). */
function routeRequests(app: { routes: { method: string; path: string }[] }): { method: string; path: string }[] {
  return app.routes
    .map((r) => ({ method: r.method === 'WS' ? 'GET' : r.method === 'ALL' ? 'POST' : r.method, path: r.path.replace(/:[^/]+/g, 'x').replace(/\*$/, 'x') }))
}

describe('policy covers every route (issue #7)', () => {
  let hub: TestHub
  const tokens: Record<string, string> = {}
  beforeAll(async () => {
    hub = await startTestHub()
    for (const [name, scopes] of [
      ['chat-only', ['chat']],
      ['lister', ['tools:list']],
      ['caller', ['tools:list', 'tools:call']],
    ] as const) {
      const res = await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name, scopes }) })
      tokens[name] = ((await res.json()) as { token: string }).token
    }
  })
  afterAll(() => hub.close())

  test('without a token every route of the built app is 401 (or the login redirect) unless it is open', async () => {
    const seen: string[] = []
    for (const { method, path } of routeRequests(hub.app)) {
      const res = await fetch(hub.url + path, { method, redirect: 'manual', headers: method === 'GET' && path.startsWith('/ws/') ? { upgrade: 'websocket', connection: 'Upgrade' } : {} })
      seen.push(`${method} ${path}`)
      if (isOpen(path)) {
        expect({ route: `${method} ${path}`, status: res.status }).not.toEqual({ route: `${method} ${path}`, status: 401 })
      } else if (path.startsWith('/admin') && method === 'GET') {
        expect({ route: `${method} ${path}`, status: res.status, to: res.headers.get('location') }).toEqual({ route: `${method} ${path}`, status: 303, to: '/admin/login' })
      } else {
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 401 })
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/)
      }
    }
    // The enumeration really saw the app, including the surfaces of this issue.
    expect(seen).toContain('GET /api/v1/audit')
    expect(seen).toContain('POST /api/v1/tokens')
    expect(seen.length).toBeGreaterThan(10)
  })

  test('a presented but unknown token is named invalid_token in the challenge', async () => {
    const res = await hub.api('/mcp', { method: 'POST', token: 'hth_unknown', body: '{}' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", resource_metadata="${hub.url}/.well-known/oauth-protected-resource"`)
  })

  test('a wrong or malformed credential is 401 on every guarded route', async () => {
    for (const { method, path } of routeRequests(hub.app)) {
      if (isOpen(path)) continue
      for (const authorization of ['Bearer hth_wrong', 'Basic YWRtaW46YWRtaW4=', 'Bearer', `Bearer ${'x'.repeat(5000)}`]) {
        const res = await fetch(hub.url + path, { method, redirect: 'manual', headers: { authorization } })
        expect({ route: `${method} ${path}`, authorization: authorization.slice(0, 20), status: res.status }).toEqual({ route: `${method} ${path}`, authorization: authorization.slice(0, 20), status: 401 })
      }
    }
  })

  test('a route added later without a policy entry needs admin', async () => {
    expect(requiredScope('GET', '/api/v1/brand-new')).toBe('admin')
    const app = createApp(hub.services).use(new Elysia().get('/api/v1/brand-new', () => ({ secret: 'sauce' })))
    const call = (token?: string) => app.handle(new Request('http://localhost/api/v1/brand-new', { headers: token ? { authorization: `Bearer ${token}` } : {} }))
    expect((await call()).status).toBe(401)
    expect((await call(tokens['chat-only'])).status).toBe(403)
    expect((await call(tokens.caller)).status).toBe(403)
    expect(await (await call(ADMIN_TOKEN)).json()).toEqual({ secret: 'sauce' })
  })

  test('a chat-only token chats but cannot list or call tools directly', async () => {
    const chat = tokens['chat-only']!
    const as = (path: string, init: RequestInit = {}) => hub.api(path, { ...init, token: chat })
    expect((await as('/tools/call', { method: 'POST', body: JSON.stringify({ name: 'x', arguments: {} }) })).status).toBe(403)
    expect((await as('/tools/list', { method: 'POST', body: '{}' })).status).toBe(403)
    const mcp = await as('/mcp', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) })
    expect(mcp.status).toBe(403)
    expect(((await mcp.json()) as { error: { message: string } }).error.message).toContain('tools:list')
    expect(mcp.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="tools:list", resource_metadata="${hub.url}/.well-known/oauth-protected-resource"`)
    // The guard lets chat through (the route answers for itself: 404 until it exists, then its own status).
    for (const res of [
      await as('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm', messages: [] }) }),
      await as('/api/v1/info'),
      await fetch(`${hub.url}/ws/chat?token=${chat}`),
    ]) {
      expect([401, 403, 429]).not.toContain(res.status)
    }
    expect((await as('/api/v1/config')).status).toBe(403)
  })

  test('/mcp: a tools/call needs tools:call, whatever the Mcp-Method header claims or however it is batched', async () => {
    const post = (token: string, body: unknown, headers: Record<string, string> = {}) =>
      hub.api('/mcp', { method: 'POST', token, body: JSON.stringify(body), headers: { accept: 'application/json, text/event-stream', ...headers } })
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x', arguments: {} } }
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' }
    expect([401, 403]).not.toContain((await post(tokens.lister!, list)).status)
    expect((await post(tokens.lister!, call)).status).toBe(403)
    expect((await post(tokens.lister!, call, { 'mcp-method': 'tools/list' })).status).toBe(403)
    expect((await post(tokens.lister!, [list, call])).status).toBe(403)
    expect((await post(tokens.lister!, list, { 'mcp-method': 'tools/call' })).status).toBe(403)
    expect([401, 403]).not.toContain((await post(tokens.caller!, call)).status)
  })

  test('the panel cookie is not a credential outside /admin, /api/v1 and the panel chat socket', async () => {
    const login = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual' })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    expect((await fetch(`${hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(200)
    for (const [method, path] of [['POST', '/mcp'], ['POST', '/tools/call'], ['POST', '/v1/chat/completions']] as const) {
      expect({ path, status: (await fetch(hub.url + path, { method, headers: { cookie } })).status }).toEqual({ path, status: 401 })
    }
    // The panel's chat page opens /ws/chat with its cookie; a page on another origin may not.
    expect((await fetch(`${hub.url}/ws/chat`, { headers: { cookie, origin: 'http://evil.example' } })).status).toBe(403)
  })

  test('the protected-resource metadata (RFC 9728) is open and names /mcp', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const res = await fetch(hub.url + path)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ resource: `${hub.url}/mcp`, bearer_methods_supported: ['header'], scopes_supported: ['chat', 'tools:list', 'tools:call', 'admin'] })
    }
  })
})
