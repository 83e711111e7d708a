import { afterEach, describe, expect, test } from 'bun:test'
import type { Principal } from '../../src/auth/types'
import { createLogger } from '../../src/core/log'
import { Registry } from '../../src/mcp/registry'
import { McpService } from '../../src/mcp/service'
import { textResult } from '../../src/mcp/types'

const alice: Principal = { tokenId: 'tok_a', name: 'alice', scopes: ['tools:list', 'tools:call'] }
const bob: Principal = { tokenId: 'tok_b', name: 'bob', scopes: ['admin'] }
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
let service: McpService | null = null
afterEach(async () => {
  await service?.stop()
  service = null
})

function make(opts: { sessionIdleMs?: number; maxSessions?: number } = {}) {
  const registry = new Registry()
  registry.register({ name: 'hello', description: 'says hello', inputSchema: { type: 'object' }, source: 'test', handler: () => textResult('hello') })
  service = new McpService({ registry, log: createLogger({ level: 'error', sink: () => {} }), ...opts })
  service.start()
  return service
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { ...HEADERS, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

async function initialize(s: McpService, who: Principal): Promise<string> {
  const res = await s.handle(post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }), who)
  expect(res.status).toBe(200)
  await res.text()
  return res.headers.get('mcp-session-id')!
}

describe('McpService routing', () => {
  test('a session belongs to the token that opened it', async () => {
    const s = make()
    const sid = await initialize(s, alice)
    const mine = await s.handle(post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }), alice)
    expect(mine.status).toBe(200)
    const theirs = await s.handle(post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }), bob)
    expect(theirs.status).toBe(404)
  })

  test('malformed JSON → 400 parse error; a 2025 request without a session → 400; GET without one → 400', async () => {
    const s = make()
    const bad = await s.handle(post('{not json'), alice)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } })
    const noSession = await s.handle(post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), alice)
    expect(noSession.status).toBe(400)
    expect((await s.handle(new Request('http://127.0.0.1/mcp', { method: 'GET' }), alice)).status).toBe(400)
  })

  test('idle sessions are closed; the session count is bounded', async () => {
    const s = make({ sessionIdleMs: 50, maxSessions: 2 })
    await initialize(s, alice)
    await initialize(s, alice)
    await initialize(s, alice)
    expect(s.sessionCount).toBe(2)
    const end = Date.now() + 2000
    while (s.sessionCount > 0 && Date.now() < end) await Bun.sleep(20)
    expect(s.sessionCount).toBe(0)
  })

  test('after stop() the endpoint answers 503 and holds no sessions', async () => {
    const s = make()
    await initialize(s, alice)
    await s.stop()
    expect(s.sessionCount).toBe(0)
    expect((await s.handle(post({ jsonrpc: '2.0', id: 1, method: 'ping' }), alice)).status).toBe(503)
    await s.stop()
  })
})
