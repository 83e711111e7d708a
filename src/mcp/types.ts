/**
 * The tool registry's public shapes: every feature that offers tools (built-ins, home, the
 * aggregator) and every surface that calls them (/mcp, REST, chat) speaks these.
 */
export type JsonSchema = Record<string, unknown>

export type ToolAnnotations = {
  title?: string
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

export type ToolContent =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType: string }
  | { type: 'audio'; data: string; mimeType: string }
  | { type: 'resource_link'; uri: string; name: string; mimeType?: string; description?: string }
  | { type: 'resource'; resource: { uri: string; mimeType?: string; text?: string; blob?: string } }

/** Same shape as MCP's CallToolResult, so /mcp passes it through untouched. */
export type ToolResult = {
  content: ToolContent[]
  structuredContent?: Record<string, unknown>
  isError?: boolean
}

export type Progress = { progress: number; total?: number; message?: string }

export type Surface = 'mcp' | 'rest' | 'chat' | 'admin' | 'cli'

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency'

/** MCP `sampling/createMessage` params and result, kept loose: the SDK validates both ends. */
export type SampleRequest = {
  messages: { role: 'user' | 'assistant'; content: ToolContent }[]
  maxTokens: number
  systemPrompt?: string
  temperature?: number
}
export type SampleResult = { role: 'assistant' | 'user'; content: ToolContent | ToolContent[]; model: string; stopReason?: string }
/** MCP `elicitation/create` (form mode). */
export type ElicitRequest = { message: string; requestedSchema: JsonSchema }
export type ElicitResult = { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }

export type ToolContext = {
  signal: AbortSignal
  /** Token name of the caller (audit log). */
  actor: string
  surface: Surface
  progress?: (p: Progress) => void
  /** The conversation a chat-originated call belongs to. */
  conversationId?: string
  /** Log lines for the caller (MCP `notifications/message`); absent when the surface has no such channel. */
  log?: (level: LogLevel, data: unknown) => void
  /** Asks the caller's model (MCP sampling); present only on an MCP session whose client offers it. */
  sample?: (req: SampleRequest) => Promise<SampleResult>
  /** Asks the caller's user (MCP elicitation); present only on an MCP session whose client offers it. */
  elicit?: (req: ElicitRequest) => Promise<ElicitResult>
}

export type ToolHandler = (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolResult> | ToolResult

export type ToolDefinition = {
  /** The exposed name (already namespaced for aggregated tools; see aggregator/tool-name.ts). */
  name: string
  title?: string
  description: string
  /** JSON Schema (a TypeBox `t.Object` is one). Must be `type: "object"`. */
  inputSchema: JsonSchema
  outputSchema?: JsonSchema
  annotations?: ToolAnnotations
  /** Who owns the tool: `builtin`, `home`, or `mcp:<server>`. */
  source: string
  /** Extra words for search_tools ranking (room names, device kinds). */
  keywords?: string[]
  handler: ToolHandler
}

/** What tools/list and the providers see: the definition without its handler. */
export type ToolInfo = Omit<ToolDefinition, 'handler'> & { enabled: boolean }

export type PromptArgument = { name: string; description?: string; required?: boolean }
export type PromptMessage = { role: 'user' | 'assistant'; content: ToolContent }
export type PromptDefinition = {
  name: string
  title?: string
  description?: string
  arguments?: PromptArgument[]
  source: string
  get(args: Record<string, string>, ctx: ToolContext): Promise<{ description?: string; messages: PromptMessage[] }>
}

export type ResourceContents = { uri: string; mimeType?: string; text?: string; blob?: string }
export type ResourceDefinition = {
  uri: string
  name: string
  title?: string
  description?: string
  mimeType?: string
  source: string
  read(uri: string, ctx: ToolContext): Promise<ResourceContents[]>
}
/** A URI template (`hearth://conversations/{id}`) that resolves many resources. */
export type ResourceTemplateDefinition = {
  uriTemplate: string
  name: string
  title?: string
  description?: string
  mimeType?: string
  source: string
  /** Returns null when the URI is not one of this template's. */
  read(uri: string, ctx: ToolContext): Promise<ResourceContents[] | null>
  list?(ctx: ToolContext): Promise<{ uri: string; name: string; mimeType?: string }[]>
}

/** What the `onCall` observer hears after every call (the audit log). */
export type CallObservation = {
  name: string
  actor: string
  surface: string
  args: unknown
  isError: boolean
  error?: string
  durationMs: number
}

export type RegistryChange = { kind: 'tools' | 'prompts' | 'resources' }

/** The registry surface other features may depend on (implemented in mcp/registry.ts). */
export interface ToolRegistry {
  register(def: ToolDefinition): () => void
  remove(name: string): boolean
  has(name: string): boolean
  list(opts?: { includeDisabled?: boolean }): ToolInfo[]
  get(name: string): ToolInfo | undefined
  setEnabled(name: string, enabled: boolean): void
  call(name: string, args: unknown, ctx: ToolContext): Promise<ToolResult>
  /** Checks arguments without calling: a message naming the field and what was expected, or null. Unknown tool → NotFound. */
  validate(name: string, args: unknown): Promise<string | null>
  registerPrompt(def: PromptDefinition): () => void
  listPrompts(): Omit<PromptDefinition, 'get'>[]
  getPrompt(name: string, args: Record<string, string>, ctx: ToolContext): ReturnType<PromptDefinition['get']>
  registerResource(def: ResourceDefinition): () => void
  registerResourceTemplate(def: ResourceTemplateDefinition): () => void
  listResources(ctx: ToolContext): Promise<Omit<ResourceDefinition, 'read'>[]>
  listResourceTemplates(): Omit<ResourceTemplateDefinition, 'read' | 'list'>[]
  readResource(uri: string, ctx: ToolContext): Promise<ResourceContents[]>
  /** Batches registrations so listeners hear one change (an upstream listing 50 tools). */
  batch<T>(fn: () => T): T
  onChange(fn: (change: RegistryChange) => void): () => void
}

export function textResult(text: string, structured?: Record<string, unknown>): ToolResult {
  return structured ? { content: [{ type: 'text', text }], structuredContent: structured } : { content: [{ type: 'text', text }] }
}

export function errorResult(text: string): ToolResult {
  return { content: [{ type: 'text', text }], isError: true }
}

/** A JSON-ish result: text for models that read text, structured content for clients that don't. */
export function jsonResult(value: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value }
}
