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
      try {
        sqlite.run('PRAGMA optimize')
        if (path !== ':memory:') leaveWal(sqlite)
      } finally {
        sqlite.close()
      }
    },
  }
}

/**
 * drizzle's prepared statements are finalized only by the garbage collector, so `close()` leaves a
 * zombie connection that never checkpoints and the -wal file stays behind. Leaving WAL mode here
 * folds everything into hearth.db, one self-contained file (copyable as a backup) the moment the hub
 * stops; the next open switches WAL back on. When another process (a CLI command) has the file open
 * this fails at once instead of waiting, and the WAL stays for the last connection to fold in.
 */
function leaveWal(sqlite: Database): void {
  try {
    sqlite.run('PRAGMA busy_timeout = 0')
    sqlite.run('PRAGMA wal_checkpoint(TRUNCATE)')
    sqlite.run('PRAGMA journal_mode = DELETE')
  } catch {
    // Busy: another connection is open; it checkpoints when it closes.
  }
}
