import { Client, SdkError, SdkErrorCode, SdkHttpError, SSEClientTransport, StreamableHTTPClientTransport, UriTemplate, type Tool, type Transport } from '@modelcontextprotocol/client'
import type { Logger } from '../core/log'
import { VERSION } from '../core/version'
import type { PromptMessage, ResourceContents, ToolResult } from '../mcp/types'
import { ProcessGroupTransport } from './stdio-transport'
import type { CallOptions, ConnectionInfo, ListKind, ToolSource, UpstreamSpec } from './upstream'

/**
 * The SDK side of an upstream connection: the v2 client (`@modelcontextprotocol/client`). Only
 * upstream.ts imports this, dynamically, when the first upstream connects; a hub with no MCP
 * servers configured never loads the client SDK (see upstream.ts).
 */

/** A result schema that accepts anything: list results are checked entry by entry (tool-guard.ts). */
const ANY = { '~standard': { version: 1 as const, vendor: 'hearth', validate: (value: unknown) => ({ value }) } }

/** The server forgot our session (restart): 404 per spec; many 2025 servers answer 400 instead. */
export function isSessionLost(err: unknown, hadSession: boolean): boolean {
  if (!hadSession || !(err instanceof SdkHttpError)) return false
  if (err.status === 404) return true
  return err.status === 400 && /session/i.test(String((err.data as { text?: string }).text ?? err.message))
}

/**
 * Failures of the connection itself (as opposed to an error the server answered with). A 500 is
 * one request's failure; 502-504 are a proxy saying the server behind it is gone.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof SdkHttpError) return err.status >= 502 || err.status === 404
  if (err instanceof SdkError) return err.code === SdkErrorCode.ConnectionClosed || err.code === SdkErrorCode.SendFailed || err.code === SdkErrorCode.NotConnected
  const code = (err as { code?: string } | null)?.code
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ConnectionRefused|ConnectionClosed|FailedToOpenSocket)$/.test(code)
}

export function isTimeout(err: unknown): boolean {
  return err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout
}

export class SdkUpstream implements ToolSource {
  onDown?: (reason: string) => void
  onListChanged?: (kind: ListKind) => void
  private client?: Client
  private transport?: Transport
  private closing = false
  private reconnecting?: Promise<void>
  private connectTimeoutMs = 10_000
  info: ConnectionInfo

  constructor(
    private spec: UpstreamSpec,
    private log: Logger,
  ) {
    this.info = { transport: spec.kind === 'stdio' ? 'stdio' : spec.kind }
  }

  async connect(timeoutMs: number): Promise<void> {
    this.connectTimeoutMs = timeoutMs
    const spec = this.spec
    if (spec.kind === 'http') {
      const fetch = withHeaders(spec.headers)
      try {
        await this.open(new StreamableHTTPClientTransport(new URL(spec.url), { fetch }), timeoutMs, true)
        this.info = { transport: 'http' }
      } catch (err) {
        // The SDK's advice for servers of the 2024-11-05 era: a 4xx on POST means "try HTTP+SSE".
        const status = err instanceof SdkHttpError ? err.status : 0
        if (!spec.fallbackToSse || status < 400 || status >= 500 || status === 401 || status === 403) throw err
        this.log.info('Streamable HTTP refused; falling back to HTTP+SSE', { status })
        await this.open(new SSEClientTransport(new URL(spec.url), { fetch }), timeoutMs, false)
        this.info = { transport: 'sse' }
      }
    } else if (spec.kind === 'sse') {
      await this.open(new SSEClientTransport(new URL(spec.url), { fetch: withHeaders(spec.headers) }), timeoutMs, false)
    } else if (spec.kind === 'stdio') {
      const t = new ProcessGroupTransport({ ...spec, log: this.log })
      try {
        await this.open(t, timeoutMs, false)
      } catch (err) {
        // A child that died during the handshake: its stderr says why, not the SDK's "closed".
        const tail = t.stderr.split('\n').slice(-3).join(' | ')
        throw new Error(tail ? `${errorText(err)} (stderr: ${tail})` : t.exitCode !== null ? `${errorText(err)} (exit code ${t.exitCode})` : errorText(err))
      }
      this.info = { transport: 'stdio', pid: t.pid }
    }
    this.info.protocol = this.client?.getNegotiatedProtocolVersion()
    this.info.era = this.client?.getProtocolEra()
  }

  private async open(transport: Transport, timeoutMs: number, negotiate: boolean): Promise<void> {
    if (this.closing) throw new Error('closed while connecting')
    // stdio stays on the plain 2025 handshake: the SDK's probe would spawn a second process.
    const client = new Client(
      { name: 'hearth', version: VERSION },
      // A session renewal already knows the era: no second server/discover probe for a 2025 server.
      { capabilities: {}, ...(negotiate && this.info.era !== 'legacy' ? { versionNegotiation: { mode: 'auto' as const } } : {}) },
    )
    client.setNotificationHandler('notifications/tools/list_changed', () => this.onListChanged?.('tools'))
    client.setNotificationHandler('notifications/prompts/list_changed', () => this.onListChanged?.('prompts'))
    client.setNotificationHandler('notifications/resources/list_changed', () => this.onListChanged?.('resources'))
    // A close during the handshake is the handshake's failure (connect() rejects), not a drop.
    let up = false
    client.onclose = () => {
      if (!up || this.client !== client || this.closing || this.reconnecting) return
      this.onDown?.(transport instanceof ProcessGroupTransport ? exitReason(transport) : 'connection closed')
    }
    client.onerror = (err) => this.log.debug(() => `transport error: ${errorText(err)}`)
    this.client = client
    this.transport = transport
    try {
      await client.connect(transport, { timeout: timeoutMs })
      up = true
    } catch (err) {
      this.client = undefined
      await transport.close().catch(() => {})
      throw err
    }
  }

  /**
   * Raw pages, not the SDK's list helpers: those validate the whole list and reject it for one
   * bad entry, which would take every tool of the server away. Entries are checked one by one
   * by the caller instead.
   */
  async list(kind: 'tools' | 'prompts' | 'resources' | 'templates', timeoutMs: number): Promise<unknown[]> {
    const client = this.connected()
    const caps = client.getServerCapabilities() ?? {}
    const [method, field, offered] = {
      tools: ['tools/list', 'tools', caps.tools],
      prompts: ['prompts/list', 'prompts', caps.prompts],
      resources: ['resources/list', 'resources', caps.resources],
      templates: ['resources/templates/list', 'resourceTemplates', caps.resources],
    }[kind] as [string, string, unknown]
    if (!offered) return []
    const out: unknown[] = []
    let cursor: string | undefined
    for (let page = 0; page < 100; page++) {
      const res = (await client.request({ method, params: cursor ? { cursor } : {} }, ANY, { timeout: timeoutMs })) as Record<string, unknown>
      const items = res?.[field]
      if (!Array.isArray(items)) throw new Error(`${method} answered without a "${field}" array`)
      out.push(...items)
      cursor = typeof res.nextCursor === 'string' && res.nextCursor ? res.nextCursor : undefined
      if (!cursor) break
    }
    return out
  }

  callTool(name: string, args: Record<string, unknown>, o: CallOptions): Promise<ToolResult> {
    return this.withSession(async (client) => {
      const res = await client.callTool({ name, arguments: args }, { ...this.requestOptions(o), ...(o.definition ? { toolDefinition: o.definition as Tool } : {}) })
      const out: ToolResult = { content: (res.content ?? []) as ToolResult['content'] }
      if (res.structuredContent) out.structuredContent = res.structuredContent as Record<string, unknown>
      if (res.isError) out.isError = true
      return out
    })
  }

  getPrompt(name: string, args: Record<string, string>, o: CallOptions) {
    return this.withSession(async (client) => {
      const res = await client.getPrompt({ name, arguments: args }, this.requestOptions(o))
      return { description: res.description, messages: res.messages as PromptMessage[] }
    })
  }

  readResource(uri: string, o: CallOptions): Promise<ResourceContents[]> {
    return this.withSession(async (client) => (await client.readResource({ uri }, { ...this.requestOptions(o), cacheMode: 'bypass' })).contents as ResourceContents[])
  }

  async ping(timeoutMs: number): Promise<void> {
    await this.withSession((client) => client.ping({ timeout: timeoutMs }))
  }

  async close(): Promise<void> {
    this.closing = true
    const client = this.client
    this.client = undefined
    await client?.close().catch(() => {})
    // Client.close closes the transport; make sure a stdio tree is gone even if it had exited.
    await this.transport?.close().catch(() => {})
  }

  private requestOptions(o: CallOptions) {
    return {
      signal: o.signal,
      timeout: o.timeoutMs,
      // A long job that reports progress is alive: the timeout counts from its last sign of life.
      resetTimeoutOnProgress: true,
      onprogress: (p: { progress: number; total?: number; message?: string }) =>
        o.onProgress?.({ progress: p.progress, total: p.total, message: p.message }),
    }
  }

  private connected(): Client {
    if (!this.client) throw notConnected()
    return this.client
  }

  /**
   * Runs a request; when an HTTP server says it no longer knows our session, opens a fresh one
   * (initialize again) and retries exactly once. A connection failure reports the upstream down.
   */
  private async withSession<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    if (this.reconnecting) await this.reconnecting
    const client = this.connected()
    try {
      return await fn(client)
    } catch (err) {
      const hadSession = this.spec.kind !== 'stdio' && Boolean(this.transport?.sessionId)
      if (isSessionLost(err, hadSession) && !this.closing) {
        this.log.info('upstream forgot our session; initializing again', { status: (err as SdkHttpError).status })
        await this.renew()
        this.onListChanged?.('tools')
        return fn(this.connected())
      }
      if (isConnectionFailure(err) && !this.closing && this.client === client) this.onDown?.(errorText(err))
      throw err
    }
  }

  private renew(): Promise<void> {
    this.reconnecting ??= (async () => {
      const old = this.client
      this.client = undefined
      await old?.close().catch(() => {})
      await this.connect(this.connectTimeoutMs)
    })().finally(() => {
      this.reconnecting = undefined
    })
    return this.reconnecting
  }
}

/**
 * The configured headers (an API token) on every request a transport makes, the SSE stream's
 * opening GET and any reconnect included, without depending on which requests each transport
 * applies its `requestInit` to.
 */
function withHeaders(extra: Record<string, string>): typeof fetch {
  const entries = Object.entries(extra)
  if (entries.length === 0) return fetch
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers)
    for (const [k, v] of entries) if (!headers.has(k)) headers.set(k, v)
    return fetch(input, { ...init, headers })
  }) as typeof fetch
}

function exitReason(t: ProcessGroupTransport): string {
  const tail = t.stderr.split('\n').slice(-2).join(' | ')
  const code = t.exitCode !== null ? `process exited with code ${t.exitCode}` : 'process stdout closed'
  return tail ? `${code} (stderr: ${tail})` : code
}

export function notConnected(): Error {
  return new SdkError(SdkErrorCode.NotConnected, 'not connected')
}

export function errorText(err: unknown): string {
  if (err instanceof SdkHttpError) {
    const text = String((err.data as { text?: string }).text ?? '').slice(0, 200)
    return `HTTP ${err.status}${text ? `: ${text}` : ''}`
  }
  return err instanceof Error ? err.message : String(err)
}

/** Whether a URI is one of an RFC 6570 template's (the SDK's matcher; null on a bad template). */
export function templateMatcher(template: string): ((uri: string) => boolean) | null {
  try {
    const t = new UriTemplate(template)
    return (uri) => t.match(uri) !== null
  } catch {
    return null
  }
}
