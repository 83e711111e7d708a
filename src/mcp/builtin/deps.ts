import type { ConfigService } from '../../core/config'
import type { Logger } from '../../core/log'
import type { Db } from '../../db/client'
import type { Providers } from '../../providers/types'
import type { ToolRegistry } from '../types'

/** What the built-in tools need. `providers` is optional: without it they work on the config alone. */
export type BuiltinDeps = {
  registry: ToolRegistry
  config: ConfigService
  db: Db
  log: Logger
  providers?: Providers
}

/** The provider chats use now: the providers feature's answer, else `chat.provider`, else the first configured. */
export function activeProvider(deps: Pick<BuiltinDeps, 'config' | 'providers'>): string | null {
  const fromProviders = deps.providers?.active()?.name
  if (fromProviders) return fromProviders
  const cfg = deps.config.current
  if (cfg.chat.provider && cfg.providers[cfg.chat.provider]) return cfg.chat.provider
  return Object.keys(cfg.providers)[0] ?? null
}
