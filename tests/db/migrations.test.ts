import { afterAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import journal from '../../drizzle/meta/_journal.json'
import { openDatabase } from '../../src/db/client'
import { embeddedMigrations, embeddedSql, journalTags } from '../../src/db/migrations'
import { sqliteOverrideStore } from '../../src/db/override-store'
import { configOverrides } from '../../src/db/schema'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-db-'))
  dirs.push(dir)
  return join(dir, 'nested', 'hearth.db')
}

const tables = (sqlite: Database) =>
  (sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)

describe('embedded migrations', () => {
  test('every journal entry has its SQL embedded in src/db/migrations.ts', () => {
    const missing = journal.entries.map((e) => e.tag).filter((tag) => embeddedSql[tag] === undefined)
    expect(missing).toEqual([])
    expect(journalTags()).toEqual(journal.entries.map((e) => e.tag))
  })

  test('every generated .sql file in drizzle/ is in the journal and embedded verbatim', async () => {
    const folder = resolve(import.meta.dir, '../../drizzle')
    const files = readdirSync(folder).filter((f) => f.endsWith('.sql'))
    expect(files.map((f) => f.replace(/\.sql$/, '')).sort()).toEqual(journalTags().sort())
    for (const f of files) expect(embeddedSql[f.replace(/\.sql$/, '')]).toBe(await Bun.file(join(folder, f)).text())
  })

  test('a journal entry without embedded SQL stops the migration with a message naming it', () => {
    const tag = '9999_not_embedded'
    journal.entries.push({ idx: 99, version: '6', when: Date.now(), tag, breakpoints: true })
    try {
      expect(() => embeddedMigrations()).toThrow(`migration ${tag} is not embedded in src/db/migrations.ts`)
    } finally {
      journal.entries.pop()
    }
  })
})

describe('openDatabase', () => {
  test('an empty data dir: the folder is created and every migration applied', () => {
    const path = dbPath()
    const handle = openDatabase(path)
    try {
      const names = tables(handle.sqlite)
      for (const t of ['config_overrides', 'tokens', '__drizzle_migrations']) expect(names).toContain(t)
      const applied = handle.sqlite.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
      expect(applied.n).toBe(journal.entries.length)
    } finally {
      handle.close()
    }
  })

  test('an existing database: opening again migrates nothing twice and keeps the data', () => {
    const path = dbPath()
    const first = openDatabase(path)
    sqliteOverrideStore(first.db).save('chat.max_tool_hops', 3)
    const before = tables(first.sqlite)
    first.close()
    first.close() // idempotent

    const second = openDatabase(path)
    try {
      expect(tables(second.sqlite)).toEqual(before)
      expect(second.db.select().from(configOverrides).all().map((r) => [r.key, r.value])).toEqual([['chat.max_tool_hops', 3]])
      const applied = second.sqlite.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
      expect(applied.n).toBe(journal.entries.length)
    } finally {
      second.close()
    }
  })

  test('pragmas: WAL, foreign keys enforced, a busy timeout', () => {
    const handle = openDatabase(dbPath())
    try {
      const q = (p: string) => Object.values(handle.sqlite.query(`PRAGMA ${p}`).get() as object)[0]
      expect(q('journal_mode')).toBe('wal')
      expect(q('foreign_keys')).toBe(1)
      expect(q('busy_timeout')).toBe(5000)
    } finally {
      handle.close()
    }
  })

  test('foreign keys are actually enforced', () => {
    const handle = openDatabase(':memory:')
    try {
      const fks = handle.sqlite.query("SELECT m.name AS tbl, p.* FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table'").all() as { tbl: string; from: string }[]
      expect(fks.length).toBeGreaterThan(0)
      const { tbl, from } = fks[0]!
      expect(() => handle.sqlite.run(`INSERT INTO ${tbl} (${from}) VALUES ('no-such-parent')`)).toThrow(/FOREIGN KEY|NOT NULL/)
    } finally {
      handle.close()
    }
  })

  test('closing checkpoints the WAL: nothing is left in a -wal file', () => {
    const path = dbPath()
    const handle = openDatabase(path)
    sqliteOverrideStore(handle.db).save('a', 1)
    handle.close()
    expect(readdirSync(join(path, '..'))).toEqual(['hearth.db'])
  })
})

describe('override store', () => {
  test('saves, updates, removes and clears JSON values; data_version moves when another connection writes', () => {
    const path = dbPath()
    const a = openDatabase(path)
    const b = openDatabase(path)
    try {
      const store = sqliteOverrideStore(a.db)
      store.save('x', { deep: [1, 'two'] })
      store.save('x', 5)
      store.save('y', 'text')
      expect(store.load()).toEqual({ x: 5, y: 'text' })
      store.remove('y')
      expect(store.load()).toEqual({ x: 5 })
      const v = store.version!()
      sqliteOverrideStore(b.db).clear()
      expect(store.version!()).not.toBe(v)
      expect(store.load()).toEqual({})
    } finally {
      a.close()
      b.close()
    }
  })
})
