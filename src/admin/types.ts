import type { AdminSessions, Principal, Scope } from '../auth/types'
import type { ConfigService } from '../core/config'
import type { EventBus } from '../core/events'
import type { HealthRegistry } from '../core/health'
import type { StatsRegistry } from '../core/stats'
import type { ToolRegistry } from '../mcp/types'
import type { Providers, ProviderSummary } from '../providers/types'
import type { LogRing } from './log-ring'

export type { LogRing } from './log-ring'

/** A token as the panel lists it (never its secret). */
export type TokenListing = {
  id: string
  name: string
  scopes: Scope[]
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
  revokedAt: Date | null
}

/** What the panel needs from the security feature (AuthService has it). */
export interface TokenAdmin extends AdminSessions {
  create(input: { name: string; scopes: Scope[]; expiresAt?: Date }): { token: string; info: TokenListing }
  list(): TokenListing[]
  revoke(name: string): void
}

export type ProviderTest = { ok: boolean; provider: string; model: string; latency_ms: number; reply?: string; error?: { code: string; message: string } }

/** What the panel needs from the providers feature (ProviderService has it). */
export interface ProviderAdmin extends Providers {
  add(name: string, cfg: Record<string, unknown>): ProviderSummary
  update(name: string, patch: Record<string, unknown>): ProviderSummary
  remove(name: string): void
  test(name: string, signal?: AbortSignal): Promise<ProviderTest>
}

export type ConversationListing = { id: string; title: string; created_at: string; updated_at: string; messages: number }
export type ConversationMessage = {
  id: string
  role: 'user' | 'assistant' | 'tool' | 'system'
  content: string
  thinking?: string
  tool_calls?: { id: string; name: string; arguments: unknown }[]
  provider?: string
  model?: string
  status: string
  error?: string
  created_at: string
}

/** What the panel needs from the chat feature (its `ChatApi` has it). */
export interface ConversationAdmin {
  listConversations(opts?: { limit?: number; offset?: number }): ConversationListing[]
  conversation(id: string): { id: string; title: string; created_at: string; updated_at: string; messages: ConversationMessage[] }
  deleteConversation(id: string): void
}

export type McpServerListing = {
  name: string
  origin: 'config' | 'api'
  enabled: boolean
  transport: string
  state: string
  tools: number
  last_error: string | null
  restarts: number
  calls: number
  pid: number | null
  next_retry_at: string | null
}
export type McpServerTool = { name: string; exposed: string; enabled: boolean; description: string }

/** What the panel needs from the MCP aggregator (its `Aggregator` has it). */
export interface McpAdmin {
  list(): McpServerListing[]
  tools(name: string): McpServerTool[]
  add(name: string, input: Record<string, unknown>): McpServerListing
  remove(name: string): Promise<void>
  setEnabled(name: string, enabled: boolean): Promise<McpServerListing>
  setToolEnabled(name: string, tool: string, enabled: boolean): McpServerTool
}

export type DeviceListing = { name: string; kind: string; room: string | null; hidden: boolean; available: boolean | null; can_set: string[]; model: string | null; vendor: string | null }
export type DeviceState = { device: string; available: boolean | null; stale: boolean; state: Record<string, unknown>; updated_at: string | null }

/** What the panel needs from the zigbee feature (its `ZigbeeService` has it). */
export interface DevicesAdmin {
  readonly isEnabled: boolean
  status(): { enabled: boolean; broker: string; bridge: string; devices: number }
  list(opts?: { includeHidden?: boolean }): DeviceListing[]
  device(name: string, opts?: { includeHidden?: boolean }): DeviceState
  rooms(opts?: { includeHidden?: boolean }): { name: string; devices: string[] }[]
  update(name: string, patch: { room?: string | null; hidden?: boolean }): unknown
  set(target: { device?: string }, command: Record<string, unknown>, opts?: { includeHidden?: boolean }): Promise<{ message: string }>
}

/**
 * Everything the panel reads, structurally: `Services` satisfies it. Features that may not be in
 * this build yet are optional; their pages say "not available" instead of failing.
 */
export type AdminDeps = {
  auth: TokenAdmin
  config: ConfigService
  bus: EventBus
  health: HealthRegistry
  stats: StatsRegistry
  startedAt: number
  providers: ProviderAdmin
  logRing?: LogRing
  tools?: ToolRegistry
  chat?: ConversationAdmin
  aggregator?: McpAdmin
  zigbee?: DevicesAdmin
}

export type { Principal }
