import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { toolSwitches } from '../db/schema'

/** Per-tool on/off switches that outlive a restart (any source: built-in, home, aggregated). */
export function toolSwitchRepo(db: Db) {
  return {
    disabled: (): string[] =>
      db.select({ name: toolSwitches.name }).from(toolSwitches).where(eq(toolSwitches.enabled, false)).all().map((r) => r.name),
    set: (name: string, enabled: boolean) =>
      db
        .insert(toolSwitches)
        .values({ name, enabled, updatedAt: new Date() })
        .onConflictDoUpdate({ target: toolSwitches.name, set: { enabled, updatedAt: new Date() } })
        .run(),
  }
}

export type HistoryHit = { message_id: string; conversation_id: string; role: string; created_at: number; snippet: string; rank: number }

/**
 * A user's words as an FTS5 query that cannot be a syntax error: each word becomes a quoted string
 * (quotes doubled), so `AND`, `-`, `*`, `:` and parentheses are searched for, never interpreted.
 * Words are ANDed, FTS5's default.
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+(?:['’.-][\p{L}\p{N}_]+)*/gu) ?? []
  if (words.length === 0) return null
  return words
    .slice(0, 16)
    .map((w) => `"${w.replaceAll('"', '""')}"`)
    .join(' ')
}

/** Read-only access to past conversations for history_search and the conversation resource. */
export function historyRepo(db: Db) {
  const sqlite = db.$client
  return {
    search(q: { match: string; conversationId?: string; role?: string; limit: number }): HistoryHit[] {
      const where = ['messages_fts MATCH ?']
      const params: (string | number)[] = [q.match]
      if (q.conversationId) {
        where.push('m.conversation_id = ?')
        params.push(q.conversationId)
      }
      if (q.role) {
        where.push('m.role = ?')
        params.push(q.role)
      }
      params.push(q.limit)
      // bm25 is lower-is-better; weight content over thinking.
      return sqlite
        .query(
          `SELECT m.id AS message_id, m.conversation_id, m.role, m.created_at,
                  snippet(messages_fts, 0, '[', ']', '…', 12) AS snippet,
                  bm25(messages_fts, 1.0, 0.3) AS rank
             FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
            WHERE ${where.join(' AND ')}
            ORDER BY rank LIMIT ?`,
        )
        .all(...params) as HistoryHit[]
    },
    conversation(id: string) {
      return sqlite.query('SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?').get(id) as
        | { id: string; title: string; created_at: number; updated_at: number }
        | null
    },
    messages(conversationId: string, limit = 500) {
      return sqlite
        .query('SELECT role, content, created_at FROM messages WHERE conversation_id = ? AND status != ? ORDER BY seq LIMIT ?')
        .all(conversationId, 'streaming', limit) as { role: string; content: string; created_at: number }[]
    },
    recent(limit: number) {
      return sqlite.query('SELECT id, title FROM conversations ORDER BY updated_at DESC LIMIT ?').all(limit) as { id: string; title: string }[]
    },
  }
}
