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
  chat?: unknown
  aggregator?: unknown
  zigbee?: unknown
}

export type { Principal }
