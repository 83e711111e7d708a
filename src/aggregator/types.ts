/**
 * What other features (admin panel, chat) may know about the aggregator: the status of each
 * external MCP server as `/api/v1/mcp/servers` reports it.
 */
export type ServerState = 'starting' | 'ready' | 'backoff' | 'stopped' | 'failed'

export type NameCollision = {
  kind: 'tool' | 'prompt' | 'resource'
  /** The upstream's own name (a URI for resources). */
  name: string
  /** What `<server>_<name>` would have been. */
  wanted: string
  /** What it is exposed as instead (`null` for a resource left out: URIs are kept, not renamed). */
  exposed: string | null
  /** Who holds the wanted name: `server/tool`, or the registry source (`builtin`). */
  with: string
}

export type ServerTool = { name: string; exposed: string; enabled: boolean; description: string }

export type ServerStatus = {
  name: string
  /** `config`: hearth.yaml or its servers_file; `api`: added at run time (stored in SQLite). */
  origin: 'config' | 'api'
  enabled: boolean
  transport: 'stdio' | 'http' | 'sse'
  state: ServerState
  tools: number
  prompts: number
  resources: number
  last_error: string | null
  restarts: number
  last_call_ms: number | null
  calls: number
  pid: number | null
  protocol: string | null
  collisions: NameCollision[]
  skipped: { kind: string; name: string; reason: string }[]
  next_retry_at: string | null
}
