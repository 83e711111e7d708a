import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core'

/** MCP servers added at run time (API/admin); servers from the config file are not stored here. */
export const mcpServers = sqliteTable('mcp_servers', {
  name: text('name').primaryKey(),
  spec: text('spec', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})

/** Switches on single tools (any source) and server toggles that outlive a restart. */
export const toolSwitches = sqliteTable('tool_switches', {
  name: text('name').primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})

/** Models registered by LAN programs (SPEC §7 model registry). */
export const models = sqliteTable('models', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  model: text('model').notNull(),
  spec: text('spec', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})
