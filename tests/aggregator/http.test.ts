import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Subprocess } from 'bun'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, ctx, EVERYTHING, freePort, serverStatus, textOf, until, waitReady } from './support'

/** server-everything as its own process (node_modules; run by bun), on a loopback port. */
async function everything(mode: 'streamableHttp' | 'sse', port: number): Promise<Subprocess> {
  const proc = Bun.spawn([BUN, EVERYTHING, mode], { env: { ...process.env, PORT: String(port) }, stdout: 'ignore', stderr: 'ignore' })
  await until(`${mode} server on ${port}`, () => listening(port))
  return proc
}

/** Whether something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: { open: (s) => (s.end(), resolve(true)), data() {}, error: () => resolve(false), connectError: () => resolve(false) },
    }).catch(() => resolve(false))
  })
}

describe('aggregator: HTTP upstreams (server-everything)', () => {
  let hub: TestHub
  let http: Subprocess
  let sse: Subprocess
  // A 2026-07-28-only server (the v2 SDK, no 2025 fallback), in this process.
  const modern = createMcpHandler(() => {
    const s = new McpServer({ name: 'modern', version: '1.0.0' })
    s.registerTool('shout', { description: 'Upper-cases text', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }))
    return s
  }, { legacy: 'reject' })
  // It wants a token on every request, as a hosted server would.
  const modernServer = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (r) => (r.headers.get('authorization') === 'Bearer modern-token' ? modern.fetch(r) : new Response('unauthorized', { status: 401 })),
  })
  const httpPort = freePort()
  const ssePort = freePort()

  // In front of the SSE server: lets a request through only with the token, the stream's GET too.
  const sseGate = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (r) => {
      if (r.headers.get('x-api-key') !== 'sse-key') return new Response('unauthorized', { status: 401 })
      const u = new URL(r.url)
      return fetch(`http://127.0.0.1:${ssePort}${u.pathname}${u.search}`, { method: r.method, headers: r.headers, body: r.body })
    },
  })

  beforeAll(async () => {
    ;[http, sse] = await Promise.all([everything('streamableHttp', httpPort), everything('sse', ssePort)])
    hub = await startTestHub({
      yaml: `mcp:
  servers:
    web: { url: "http://127.0.0.1:${httpPort}/mcp", timeout_ms: 5000 }
    old: { url: "http://127.0.0.1:${sseGate.port}/sse", transport: sse, headers: { X-Api-Key: sse-key } }
    modern: { url: "http://127.0.0.1:${modernServer.port}/mcp", headers: { Authorization: "Bearer modern-token" } }
    guess: { url: "http://127.0.0.1:${ssePort}/sse" }
    broken: { timeout_ms: 1000 }
    missing: { command: /nonexistent/mcp-server }
`,
    })
    await Promise.all([waitReady(hub, 'web'), waitReady(hub, 'old'), waitReady(hub, 'modern'), waitReady(hub, 'guess')])
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    http.kill()
    sse.kill()
    modernServer.stop(true)
    sseGate.stop(true)
    await Promise.all([http.exited, sse.exited])
  }, 30_000)

  test('Streamable HTTP: tools listed and called, with progress', async () => {
    const s = await serverStatus(hub, 'web')
    expect(s.transport).toBe('http')
    expect(s.protocol).toBe('2025-11-25')
    expect(s.tool_list.map((t) => t.exposed)).toContain('web_echo')
    expect(textOf(await hub.services.tools.call('web_echo', { message: 'over http' }, ctx()))).toBe('Echo: over http')
    const seen: number[] = []
    const res = await hub.services.tools.call('web_trigger-long-running-operation', { duration: 0.3, steps: 3 }, ctx(undefined, (p) => seen.push(p.progress)))
    expect(res.isError).toBeFalsy()
    expect(seen.length).toBeGreaterThanOrEqual(2)
  })

  test('a 2026-07-28 upstream is negotiated and called', async () => {
    const s = await serverStatus(hub, 'modern')
    expect(s.protocol).toBe('2026-07-28')
    expect(textOf(await hub.services.tools.call('modern_shout', { text: 'hi' }, ctx()))).toBe('HI')
    const bad = await hub.services.tools.call('modern_shout', {}, ctx())
    expect(bad.isError).toBe(true)
  })

  test('the older HTTP+SSE transport works', async () => {
    const s = await serverStatus(hub, 'old')
    expect(s.transport).toBe('sse')
    expect(textOf(await hub.services.tools.call('old_echo', { message: 'over sse' }, ctx()))).toBe('Echo: over sse')
  })

  test('a server that refuses Streamable HTTP with a 4xx is reached over HTTP+SSE', async () => {
    const s = await serverStatus(hub, 'guess')
    expect(s.transport).toBe('sse')
    expect(textOf(await hub.services.tools.call('guess_echo', { message: 'fallback' }, ctx()))).toBe('Echo: fallback')
  })

  test('specs that cannot run are visible: failed, or backing off with the reason', async () => {
    const broken = await serverStatus(hub, 'broken')
    expect(broken.state).toBe('failed')
    expect(broken.last_error).toContain('needs a command (stdio) or a url (HTTP)')
    const missing = await until('missing in backoff', async () => {
      const s = await serverStatus(hub, 'missing')
      return s.state === 'backoff' && s.last_error ? s : null
    })
    expect(missing.last_error).toContain('/nonexistent/mcp-server')
    expect(missing.next_retry_at).not.toBeNull()
    const health = (await (await hub.api('/api/v1/health', { token: null })).json()) as { status: string; mcp_servers: { status: string } }
    expect(health.mcp_servers.status).toBe('degraded')
    expect(health.status).toBe('degraded')
  })

  test('an HTTP upstream restarted on the same port: the lost session is renewed and the call succeeds', async () => {
    http.kill('SIGKILL')
    await http.exited
    http = await everything('streamableHttp', httpPort)
    // The restarted server does not know our Mcp-Session-Id: the call re-initializes and retries once.
    const res = await hub.services.tools.call('web_echo', { message: 'after restart' }, ctx())
    expect(res.isError).toBeFalsy()
    expect(textOf(res)).toBe('Echo: after restart')
    expect(hub.logs.some((l) => l.includes('upstream forgot our session'))).toBe(true)
    expect((await serverStatus(hub, 'web')).state).toBe('ready')
  })

  test('an HTTP upstream that is gone: calls fail naming it, it is reconnected when back', async () => {
    http.kill('SIGKILL')
    await http.exited
    const res = await hub.services.tools.call('web_echo', { message: 'x' }, ctx())
    expect(res.isError).toBe(true)
    expect(textOf(res)).toContain('MCP server "web"')
    await until('web down', async () => (await serverStatus(hub, 'web')).state !== 'ready')
    expect(hub.services.tools.has('web_echo')).toBe(false)
    http = await everything('streamableHttp', httpPort)
    const back = await waitReady(hub, 'web', 20_000)
    expect(back.restarts).toBeGreaterThan(0)
    expect(textOf(await hub.services.tools.call('web_echo', { message: 'back' }, ctx()))).toBe('Echo: back')
  }, 30_000)
})
