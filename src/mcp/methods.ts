import { NotFound } from '../core/errors'
import type { ElicitRequest, ElicitResult, LogLevel, SampleRequest, SampleResult, ToolContext, ToolRegistry, ToolResult } from './types'
import { page, toWireTool, type WireTool } from './wire'

/** What one MCP request offers a handler, whichever SDK (v1 session or v2 per-request) carries it. */
export type McpCallEnv = {
  actor: string
  signal: AbortSignal
  progressToken?: string | number
  /** A notification related to this request (it travels on the request's own stream). */
  notify(method: string, params: Record<string, unknown>): Promise<void>
  sample?: (req: SampleRequest) => Promise<SampleResult>
  elicit?: (req: ElicitRequest) => Promise<ElicitResult>
}

export const SERVER_INFO = { name: 'hearth', version: '0.1.0' }

export const CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  logging: {},
  completions: {},
}

/**
 * The MCP methods over the registry, written once and adapted to both protocol eras
 * (server-legacy.ts for 2025-11-25 sessions, server-modern.ts for 2026-07-28). Errors are thrown as
 * HearthErrors; each adapter maps them to its SDK's protocol error.
 */
export class McpMethods {
  constructor(
    private registry: ToolRegistry,
    private pageSize = 100,
  ) {}

  listTools(cursor?: string): { tools: WireTool[]; nextCursor?: string } {
    const { items, nextCursor } = page(this.registry.list(), cursor, this.pageSize)
    const tools = items.map(toWireTool)
    return nextCursor ? { tools, nextCursor } : { tools }
  }

  /** Unknown tools are a protocol error (-32602, per the spec); everything else is a tool result. */
  callTool(name: string, args: unknown, env: McpCallEnv): Promise<ToolResult> {
    if (!this.registry.get(name)?.enabled) throw new NotFound(`unknown tool "${name}"`)
    return this.registry.call(name, args ?? {}, this.context(env))
  }

  context(env: McpCallEnv): ToolContext {
    const { progressToken, notify } = env
    const quiet = (p: Promise<void>) => void p.catch(() => {})
    return {
      signal: env.signal,
      actor: env.actor,
      surface: 'mcp',
      progress: progressToken === undefined ? undefined : (p) => quiet(notify('notifications/progress', { progressToken, ...p })),
      log: (level: LogLevel, data: unknown) => quiet(notify('notifications/message', { level, logger: 'hearth', data })),
      sample: env.sample,
      elicit: env.elicit,
    }
  }

  listPrompts(cursor?: string) {
    const all = this.registry.listPrompts().map(({ source: _s, ...p }) => p)
    all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const { items, nextCursor } = page(all, cursor, this.pageSize)
    return nextCursor ? { prompts: items, nextCursor } : { prompts: items }
  }

  getPrompt(name: string, args: Record<string, string> | undefined, env: McpCallEnv) {
    return this.registry.getPrompt(name, args ?? {}, this.context(env))
  }

  async listResources(cursor: string | undefined, env: McpCallEnv) {
    const all = (await this.registry.listResources(this.context(env))).map(({ source: _s, ...r }) => r)
    all.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0))
    const { items, nextCursor } = page(all, cursor, this.pageSize, (r) => r.uri)
    return nextCursor ? { resources: items, nextCursor } : { resources: items }
  }

  listResourceTemplates() {
    return { resourceTemplates: this.registry.listResourceTemplates().map(({ source: _s, ...t }) => t) }
  }

  async readResource(uri: string, env: McpCallEnv) {
    return { contents: await this.registry.readResource(uri, this.context(env)) }
  }

  /** Argument completion: Hearth's prompts take free text, so there is nothing to suggest yet. */
  complete() {
    return { completion: { values: [] as string[], total: 0, hasMore: false } }
  }
}
