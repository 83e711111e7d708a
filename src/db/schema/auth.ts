import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core'

export type Scope = 'chat' | 'tools:list' | 'tools:call' | 'admin'

export const tokens = sqliteTable('tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** SHA-256 of the token: tokens are random, so a slow hash adds nothing. */
  hash: text('hash').notNull().unique(),
  scopes: text('scopes', { mode: 'json' }).$type<Scope[]>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
})

/** Admin panel sessions; the cookie carries the random id, the row its hash. */
export const sessions = sqliteTable('sessions', {
  hash: text('hash').primaryKey(),
  tokenId: text('token_id')
    .notNull()
    .references(() => tokens.id, { onDelete: 'cascade' }),
  csrf: text('csrf').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
})

export const audit = sqliteTable(
  'audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    surface: text('surface').notNull(),
    tool: text('tool').notNull(),
    arguments: text('arguments', { mode: 'json' }).$type<unknown>(),
    outcome: text('outcome', { enum: ['ok', 'error'] }).notNull(),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('audit_at_idx').on(t.at), index('audit_tool_idx').on(t.tool)],
)
