import journal from '../../drizzle/meta/_journal.json'
import m0000 from '../../drizzle/0000_init.sql' with { type: 'text' }
import m0001 from '../../drizzle/0001_history_fts.sql' with { type: 'text' }
import m0002 from '../../drizzle/0002_chat_fts_skip_streaming.sql' with { type: 'text' }

/**
 * drizzle-kit's migrations, embedded so the compiled binary needs no `drizzle/` folder at run time.
 * A new migration is one more import here; tests/db/migrations.test.ts fails when one is missing.
 */
export const embeddedSql: Record<string, string> = {
  '0000_init': m0000,
  '0001_history_fts': m0001,
  '0002_chat_fts_skip_streaming': m0002,
}

export type Migration = { sql: string[]; bps: boolean; folderMillis: number; hash: string }

export function embeddedMigrations(): Migration[] {
  return journal.entries.map((entry) => {
    const text = embeddedSql[entry.tag]
    if (text === undefined) throw new Error(`migration ${entry.tag} is not embedded in src/db/migrations.ts`)
    return {
      sql: text.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: new Bun.CryptoHasher('sha256').update(text).digest('hex'),
    }
  })
}

export const journalTags = (): string[] => journal.entries.map((e) => e.tag)
