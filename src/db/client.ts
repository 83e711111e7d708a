import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import * as schema from './schema'
import { embeddedMigrations } from './migrations'

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database }

export type DbHandle = { db: Db; sqlite: Database; close(): void }

/** Opens (creating the folder if needed) and migrates the database. `:memory:` for tests. */
export function openDatabase(path: string): DbHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path, { create: true, strict: true })
  sqlite.run('PRAGMA journal_mode = WAL')
  sqlite.run('PRAGMA synchronous = NORMAL')
  sqlite.run('PRAGMA foreign_keys = ON')
  sqlite.run('PRAGMA busy_timeout = 5000')
  const db = drizzle(sqlite, { schema }) as Db
  // The stock migrate() reads drizzle/ from disk; the dialect migrator takes the embedded copies.
  // dialect and session are internal to drizzle's types but are exactly what its own migrate() uses.
  const internals = db as unknown as { dialect: { migrate(m: unknown, s: unknown, c: object): void }; session: unknown }
  internals.dialect.migrate(embeddedMigrations(), internals.session, {})
  let closed = false
  return {
    db,
    sqlite,
    close() {
      if (closed) return
      closed = true
      sqlite.run('PRAGMA optimize')
      sqlite.close()
    },
  }
}
