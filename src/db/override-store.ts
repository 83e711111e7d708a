import { eq } from 'drizzle-orm'
import type { OverrideStore } from '../core/config'
import type { Db } from './client'
import { configOverrides } from './schema'

/** The SQLite side of ConfigService's runtime overrides. */
export function sqliteOverrideStore(db: Db): OverrideStore {
  return {
    load: () => Object.fromEntries(db.select().from(configOverrides).all().map((r) => [r.key, r.value])),
    save: (key, value) => {
      db.insert(configOverrides)
        .values({ key, value, updatedAt: new Date() })
        .onConflictDoUpdate({ target: configOverrides.key, set: { value, updatedAt: new Date() } })
        .run()
    },
    remove: (key) => {
      db.delete(configOverrides).where(eq(configOverrides.key, key)).run()
    },
    clear: () => {
      db.delete(configOverrides).run()
    },
    // SQLite bumps data_version when another connection commits: a cheap "did the CLI write?" probe.
    version: () => (db.$client.query('PRAGMA data_version').get() as { data_version: number }).data_version,
  }
}
