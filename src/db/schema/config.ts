import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core'

/** Runtime overrides on top of hearth.yaml: one row per dotted key. */
export const configOverrides = sqliteTable('config_overrides', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})
