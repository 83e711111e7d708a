import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { z } from 'zod'
import { startTestHub, type TestHub } from '../helpers/hub'
import { ctx, serverStatus, textOf, waitReady } from './support'

/**
 * A 2025-11-25 server with sessions (the v1 SDK's web-standard transport) that can "restart":
 * forgetting its sessions makes it answer 404 to our Mcp-Session-Id, as the spec says.
 */
function sessionServer() {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>()
  const stats = { initializes: 0, forgetEveryRequest: false }
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const id = req.headers.get('mcp-session-id')
      if (stats.forgetEveryRequest) sessions.clear()
      if (id) {
        const t = sessions.get(id)
        if (t) return t.handleRequest(req)
        return Response.json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }, { status: 404 })
      }
      const body = (await req.clone().json().catch(() => null)) as { method?: string } | null
      if (body?.method === 'initialize') stats.initializes++
      const mcp = new McpServer({ name: 'sessions', version: '1.0.0' })
      mcp.registerTool('whoami', { description: 'Says which session answers', inputSchema: { n: z.number().optional() } }, async (_args, extra) => ({
        content: [{ type: 'text', text: `session ${extra.sessionId}` }],
      }))
      const t: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, t),
      })
      await mcp.connect(t)
      return t.handleRequest(req)
    },
  })
  return { server, sessions, stats }
}

describe('aggregator: an HTTP upstream that forgets our session (404)', () => {
  let hub: TestHub
  const up = sessionServer()
  beforeAll(async () => {
    hub = await startTestHub({ yaml: `mcp:\n  servers:\n    sess: { url: "http://127.0.0.1:${up.server.port}/mcp", transport: http }\n` })
    await waitReady(hub, 'sess')
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    up.server.stop(true)
  }, 30_000)

  test('404 → a fresh initialize → the call is retried once and succeeds', async () => {
    const first = textOf(await hub.services.tools.call('sess_whoami', {}, ctx()))
    const before = up.stats.initializes
    up.sessions.clear()
    const second = await hub.services.tools.call('sess_whoami', {}, ctx())
    expect(second.isError).toBeFalsy()
    expect(textOf(second)).not.toBe(first)
    expect(up.stats.initializes).toBe(before + 1)
    expect((await serverStatus(hub, 'sess')).state).toBe('ready')
  })

  test('a server that forgets again at once: one retry only, then an error naming the server', async () => {
    up.stats.forgetEveryRequest = true
    const before = up.stats.initializes
    const res = await hub.services.tools.call('sess_whoami', {}, ctx())
    up.stats.forgetEveryRequest = false
    expect(res.isError).toBe(true)
    expect(textOf(res)).toContain('MCP server "sess"')
    expect(textOf(res)).toContain('404')
    // One re-initialize for the one retry; no loop.
    expect(up.stats.initializes).toBe(before + 1)
  })
})
