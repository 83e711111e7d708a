import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core'

/** Zigbee2MQTT devices as last seen: definition (with exposes) as Zigbee2MQTT sent it. */
export const devices = sqliteTable('devices', {
  ieee: text('ieee').primaryKey(),
  friendlyName: text('friendly_name').notNull().unique(),
  type: text('type').notNull(),
  definition: text('definition', { mode: 'json' }).$type<unknown>(),
  /** Room assigned by hand in the admin panel; wins over group membership. */
  room: text('room'),
  hidden: integer('hidden', { mode: 'boolean' }).notNull().default(false),
  state: text('state', { mode: 'json' }).$type<Record<string, unknown>>(),
  available: integer('available', { mode: 'boolean' }),
  stateAt: integer('state_at', { mode: 'timestamp_ms' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})

export const deviceGroups = sqliteTable('device_groups', {
  id: integer('id').primaryKey(),
  friendlyName: text('friendly_name').notNull().unique(),
  members: text('members', { mode: 'json' }).$type<string[]>().notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
})
