import type { Logger } from '../core/log'
import type { Progress, PromptMessage, ResourceContents, ToolResult } from '../mcp/types'
import type { UpstreamTool } from './tool-guard'
import type { SdkUpstream } from './upstream-client'

/**
 * One connection to an external MCP server, behind `ToolSource` so the aggregator never sees the
 * SDK (STYLE §8). The SDK is the v2 client (`@modelcontextprotocol/client`): it speaks 2025-11-25
 * (initialize + sessions) and negotiates 2026-07-28 with servers that offer it, over stdio,
 * Streamable HTTP and the older HTTP+SSE transport.
 *
 * The SDK lives in upstream-client.ts, imported dynamically when the first upstream connects: the
 * compiled binary keeps it in its own chunk, so a hub with no MCP servers configured never loads it
 * (it costs several MB of idle RSS and start-up time). This file holds only SDK-free parts.
 */
export type CallOptions = {
  signal: AbortSignal
  timeoutMs: number
  onProgress?: (p: Progress) => void
  /** The tool as listed: lets the SDK mirror Mcp-Param headers (2026-07-28) without a re-list. */
  definition?: UpstreamTool
}
export type ListKind = 'tools' | 'prompts' | 'resources'

export type ConnectionInfo = { transport: 'stdio' | 'http' | 'sse'; protocol?: string; era?: string; pid?: number }

export interface ToolSource {
  readonly info: ConnectionInfo
  connect(timeoutMs: number): Promise<void>
  /** Raw entries as the server sent them; the caller validates each (tool-guard.ts). */
  list(kind: 'tools' | 'prompts' | 'resources' | 'templates', timeoutMs: number): Promise<unknown[]>
  callTool(name: string, args: Record<string, unknown>, opts: CallOptions): Promise<ToolResult>
  getPrompt(name: string, args: Record<string, string>, opts: CallOptions): Promise<{ description?: string; messages: PromptMessage[] }>
  readResource(uri: string, opts: CallOptions): Promise<ResourceContents[]>
  ping(timeoutMs: number): Promise<void>
  close(): Promise<void>
  /** Set by the owner: the connection ended without close() (child exited, HTTP failed). */
  onDown?: (reason: string) => void
  onListChanged?: (kind: ListKind) => void
}

export type UpstreamSpec =
  | { kind: 'stdio'; argv: string[]; env: Record<string, string>; cwd?: string; killGraceMs: number; groups: Set<number> }
  | { kind: 'http' | 'sse'; url: string; headers: Record<string, string>; fallbackToSse: boolean }


type ClientModule = typeof import('./upstream-client')
let client: ClientModule | undefined
let clientLoad: Promise<ClientModule> | undefined

/** One load per process however many upstreams connect at once; a failed load is retried next time. */
function loadClient(): Promise<ClientModule> {
  clientLoad ??= import('./upstream-client').then(
    (m) => (client = m),
    (err: unknown) => {
      clientLoad = undefined
      throw err
    },
  )
  return clientLoad
}

/** The `ToolSource` the aggregator builds: loads the client SDK on connect, then delegates to it. */
export class McpUpstream implements ToolSource {
  onDown?: (reason: string) => void
  onListChanged?: (kind: ListKind) => void
  private inner?: SdkUpstream
  private closing = false

  constructor(
    private spec: UpstreamSpec,
    private log: Logger,
  ) {}

  get info(): ConnectionInfo {
    return this.inner?.info ?? { transport: this.spec.kind }
  }

  async connect(timeoutMs: number): Promise<void> {
    const { SdkUpstream } = await loadClient()
    if (this.closing) throw new Error('closed while connecting')
    if (!this.inner) {
      const inner = new SdkUpstream(this.spec, this.log)
      inner.onDown = (reason) => this.onDown?.(reason)
      inner.onListChanged = (kind) => this.onListChanged?.(kind)
      this.inner = inner
    }
    await this.inner.connect(timeoutMs)
  }

  async list(kind: 'tools' | 'prompts' | 'resources' | 'templates', timeoutMs: number): Promise<unknown[]> {
    return this.connected().list(kind, timeoutMs)
  }

  async callTool(name: string, args: Record<string, unknown>, opts: CallOptions): Promise<ToolResult> {
    return this.connected().callTool(name, args, opts)
  }

  async getPrompt(name: string, args: Record<string, string>, opts: CallOptions) {
    return this.connected().getPrompt(name, args, opts)
  }

  async readResource(uri: string, opts: CallOptions): Promise<ResourceContents[]> {
    return this.connected().readResource(uri, opts)
  }

  async ping(timeoutMs: number): Promise<void> {
    await this.connected().ping(timeoutMs)
  }

  async close(): Promise<void> {
    this.closing = true
    await this.inner?.close()
  }

  /** Before connect() there is no client: the same "not connected" error the SDK client gives. */
  private connected(): SdkUpstream {
    if (this.inner) return this.inner
    throw client ? client.notConnected() : new Error('not connected')
  }
}

/** SDK errors exist only once the SDK is loaded; before that every error is a plain one. */
export function errorText(err: unknown): string {
  if (client) return client.errorText(err)
  return err instanceof Error ? err.message : String(err)
}

export function isTimeout(err: unknown): boolean {
  return client?.isTimeout(err) ?? false
}

/**
 * Whether a URI is one of an RFC 6570 template's (the SDK's matcher; null on a bad template).
 * Templates come only from the catalog of a connected upstream, so the SDK is loaded by then.
 */
export function templateMatcher(template: string): ((uri: string) => boolean) | null {
  return client ? client.templateMatcher(template) : null
}
