import type { ServerStatus, ServerTool } from '../aggregator/types'
import type { AdminSessions, Principal, Scope } from '../auth/types'
import type { ChatApi } from '../chat/types'
import type { DeviceView, HomeStatus, SetOutcome, StateView } from '../zigbee/types'
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

/** What the panel uses of chat: its public `ChatApi` (conversations list, read, delete). */
export type ConversationAdmin = Pick<ChatApi, 'listConversations' | 'conversation' | 'deleteConversation'>

export type McpServerListing = ServerStatus
export type McpServerTool = ServerTool

/** What the panel needs from the MCP aggregator (its `Aggregator` has it). */
export interface McpAdmin {
  list(): McpServerListing[]
  tools(name: string): McpServerTool[]
  add(name: string, input: Record<string, unknown>): McpServerListing
  remove(name: string): Promise<void>
  setEnabled(name: string, enabled: boolean): Promise<McpServerListing>
  setToolEnabled(name: string, tool: string, enabled: boolean): McpServerTool
}

export type DeviceListing = DeviceView
export type DeviceState = StateView

/** What the panel needs from the zigbee feature (its `ZigbeeService` has it). */
export interface DevicesAdmin {
  readonly isEnabled: boolean
  status(): HomeStatus
  list(opts?: { includeHidden?: boolean }): DeviceListing[]
  device(name: string, opts?: { includeHidden?: boolean }): DeviceState
  rooms(opts?: { includeHidden?: boolean }): { name: string; devices: string[] }[]
  update(name: string, patch: { room?: string | null; hidden?: boolean }): unknown
  set(target: { device?: string }, command: Record<string, unknown>, opts?: { includeHidden?: boolean }): Promise<SetOutcome>
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
