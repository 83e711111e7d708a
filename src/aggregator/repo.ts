import { eq, sql } from 'drizzle-orm'
import type { McpServerConfig } from '../core/config'
import type { Db } from '../db/client'
import { mcpServers, toolSwitches } from '../db/schema'

/**
 * Servers added at run time (the config file's servers are not stored here), and the switches
 * that outlive a restart: a single aggregated tool (`mcp:<server>:<tool>`, keyed by the upstream's
 * own tool name so a rename by collision does not lose it).
 */
export class AggregatorRepo {
  constructor(private db: Db) {}

  listServers(): { name: string; spec: McpServerConfig }[] {
    return this.db.select().from(mcpServers).all().map((r) => ({ name: r.name, spec: r.spec as McpServerConfig }))
  }

  saveServer(name: string, spec: McpServerConfig): void {
    const now = new Date()
    this.db
      .insert(mcpServers)
      .values({ name, spec, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: mcpServers.name, set: { spec, updatedAt: now } })
      .run()
  }

  deleteServer(name: string): void {
    this.db.delete(mcpServers).where(eq(mcpServers.name, name)).run()
    this.db.delete(toolSwitches).where(startsWith(toolKeyPrefix(name))).run()
  }

  toolSwitches(server: string): Map<string, boolean> {
    const prefix = toolKeyPrefix(server)
    const rows = this.db.select().from(toolSwitches).where(startsWith(prefix)).all()
    return new Map(rows.map((r) => [r.name.slice(prefix.length), r.enabled]))
  }

  setToolSwitch(server: string, tool: string, enabled: boolean): void {
    const name = toolKeyPrefix(server) + tool
    const now = new Date()
    this.db.insert(toolSwitches).values({ name, enabled, updatedAt: now }).onConflictDoUpdate({ target: toolSwitches.name, set: { enabled, updatedAt: now } }).run()
  }
}

const toolKeyPrefix = (server: string) => `mcp:${server}:`
// Not LIKE: server names may hold `_` and `%`, which LIKE would read as wildcards.
const startsWith = (prefix: string) => sql`substr(${toolSwitches.name}, 1, ${prefix.length}) = ${prefix}`
