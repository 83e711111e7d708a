import { randomUUID } from 'node:crypto'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import type { McpHttpHandler } from '@modelcontextprotocol/server'
import type { Principal } from '../auth/types'
import { hasScope, parsedJsonBodies } from '../auth/types'
import type { Logger } from '../core/log'
import { McpMethods } from './methods'
import type { RegistryChange, ToolRegistry } from './types'

/** `owner` is the token that opened the session: a session id is no bearer credential of its own. */
type Session = { transport: WebStandardStreamableHTTPServerTransport; server: Server; lastSeen: number; owner: string | null }

export type McpServiceOptions = {
  registry: ToolRegistry
  log: Logger
  /** tools/list, prompts/list and resources/list page size. */
  pageSize?: number
  /** A 2025 session unused this long is closed (clients reconnect with initialize). */
  sessionIdleMs?: number
  maxSessions?: number
}

type RpcError = { status: number; code: number; message: string; headers?: Record<string, string>; id?: unknown }
const jsonRpcError = ({ status, code, message, headers = {}, id = null }: RpcError) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

type Sdk = typeof import('./sdk')
let sdkLoad: Promise<Sdk> | undefined
/**
 * The SDKs load on the first `/mcp` request, once per process however many requests race for them
 * (see sdk.ts for why). A failed load is not cached, so the next request tries again.
 */
function loadSdk(): Promise<Sdk> {
  sdkLoad ??= import('./sdk').catch((err: unknown) => {
    sdkLoad = undefined
    throw err
  })
  return sdkLoad
}

const notRunning = () => jsonRpcError({ status: 503, code: -32603, message: 'MCP endpoint is not running' })

const methodsOf = (body: unknown): unknown[] => (Array.isArray(body) ? body : [body]).map((m) => (m as { method?: unknown } | null)?.method)

/**
 * `/mcp`: both protocol revisions on one URL.
 *
 * Routing (the body is parsed once here and handed to the SDK as `parsedBody`):
 * - a `Mcp-Session-Id` header → that 2025-11-25 session (v1 SDK, stateful; 404 if unknown);
 * - GET / DELETE → need a session id (the 2025 standalone stream and session end);
 * - a POST the v2 SDK's own classifier calls legacy (`isLegacyRequest`: no 2026 `_meta` envelope and
 *   no `MCP-Protocol-Version: 2026-07-28`) → `initialize` opens a new v1 session, anything else
 *   without a session is refused (400);
 * - everything else (`server/discover`, enveloped requests, `subscriptions/listen`) → the v2 SDK's
 *   stateless 2026-07-28 handler, which also answers its own version errors.
 * Using the v2 classifier means the two legs can never disagree on which era a request belongs to.
 */
export class McpService {
  readonly methods: McpMethods
  private sessions = new Map<string, Session>()
  private running = false
  /** The 2026 leg, built on the first request that needs the SDKs (null until then and after stop). */
  private modern: McpHttpHandler | null = null
  private unsubscribe: (() => void) | null = null
  private sweeper: ReturnType<typeof setInterval> | null = null
  private log: Logger

  constructor(private opts: McpServiceOptions) {
    this.methods = new McpMethods(opts.registry, opts.pageSize ?? 100)
    this.log = opts.log
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.unsubscribe = this.opts.registry.onChange((c) => this.broadcast(c))
    const idle = this.opts.sessionIdleMs ?? 30 * 60_000
    this.sweeper = setInterval(() => this.sweep(idle), Math.min(idle, 60_000))
    this.sweeper.unref?.()
  }

  async stop(): Promise<void> {
    this.running = false
    this.unsubscribe?.()
    this.unsubscribe = null
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = null
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.allSettled(sessions.map((s) => s.transport.close()))
    await this.modern?.close()
    this.modern = null
  }

  get sessionCount(): number {
    return this.sessions.size
  }

  async handle(request: Request, principal: Principal): Promise<Response> {
    if (!this.running) return notRunning()
    const sdk = await loadSdk()
    // stop() may have run while the SDKs loaded.
    if (!this.running) return notRunning()
    this.modern ??= sdk.modernHandler(this.methods, this.opts.registry)
    const modern = this.modern
    const authInfo = { token: '', clientId: principal.name, scopes: [...principal.scopes] }
    const sid = request.headers.get('mcp-session-id')
    if (request.method !== 'POST') {
      if (!sid) return jsonRpcError({ status: 400, code: -32000, message: 'Mcp-Session-Id header required' })
      const s = this.session(sid, principal)
      if (!s) return jsonRpcError({ status: 404, code: -32001, message: 'Session not found' })
      s.lastSeen = Date.now()
      return s.transport.handleRequest(request, { authInfo })
    }
    let body: unknown = parsedJsonBodies.get(request)
    try {
      if (body === undefined) body = await request.json()
    } catch {
      return jsonRpcError({ status: 400, code: -32700, message: 'Parse error: body must be JSON' })
    }
    // The global guard refuses this first over HTTP; checked again so the service is safe on its own.
    if (!hasScope(principal, 'tools:call') && methodsOf(body).includes('tools/call')) {
      const meta = new URL('/.well-known/oauth-protected-resource', request.url)
      return jsonRpcError({
        status: 403,
        code: -32600,
        message: 'this token lacks the "tools:call" scope',
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="tools:call", resource_metadata="${meta}"` },
        id: Array.isArray(body) ? null : (body as { id?: unknown }).id,
      })
    }
    if (sid) {
      const s = this.session(sid, principal)
      if (!s) return jsonRpcError({ status: 404, code: -32001, message: 'Session not found' })
      s.lastSeen = Date.now()
      return s.transport.handleRequest(request, { parsedBody: body, authInfo })
    }
    if (await sdk.isLegacyRequest(request, body)) {
      if (!methodsOf(body).includes('initialize')) {
        return jsonRpcError({ status: 400, code: -32000, message: 'Bad Request: no session; send initialize first' })
      }
      return this.open(sdk, request, body, authInfo, principal.tokenId)
    }
    return modern.fetch(request, { parsedBody: body, authInfo })
  }

  /** Another token presenting a session id gets the same answer as for an unknown one. */
  private session(id: string, principal: Principal): Session | undefined {
    const s = this.sessions.get(id)
    return s && s.owner === principal.tokenId ? s : undefined
  }

  private async open(sdk: Sdk, request: Request, body: unknown, authInfo: { token: string; clientId: string; scopes: string[] }, owner: string | null): Promise<Response> {
    const max = this.opts.maxSessions ?? 1000
    if (this.sessions.size >= max) this.evictOldest()
    const server = sdk.legacyServer(this.methods)
    const transport: WebStandardStreamableHTTPServerTransport = new sdk.WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, lastSeen: Date.now(), owner })
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id)
      },
    })
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId)
    }
    await server.connect(transport)
    return transport.handleRequest(request, { parsedBody: body, authInfo })
  }

  /** Before the first `/mcp` request there are no sessions and no 2026 handler: nobody to tell. */
  private broadcast({ kind }: RegistryChange): void {
    for (const { server } of this.sessions.values()) {
      const sent = kind === 'tools' ? server.sendToolListChanged() : kind === 'prompts' ? server.sendPromptListChanged() : server.sendResourceListChanged()
      // A session that has not finished initialize, or whose stream is gone, simply misses it.
      sent.catch(() => {})
    }
    const notify = this.modern?.notify
    if (kind === 'tools') notify?.toolsChanged()
    else if (kind === 'prompts') notify?.promptsChanged()
    else notify?.resourcesChanged()
  }

  private sweep(idleMs: number): void {
    const cutoff = Date.now() - idleMs
    for (const [id, s] of this.sessions) {
      if (s.lastSeen < cutoff) {
        this.sessions.delete(id)
        s.transport.close().catch(() => {})
        this.log.debug('mcp session expired', { session: id })
      }
    }
  }

  private evictOldest(): void {
    let oldest: [string, Session] | null = null
    for (const entry of this.sessions) if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry
    if (!oldest) return
    this.sessions.delete(oldest[0])
    oldest[1].transport.close().catch(() => {})
  }
}
