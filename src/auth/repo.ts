import { and, desc, eq, gte, isNull, lt, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { audit, sessions, tokens } from '../db/schema'

export type TokenRow = typeof tokens.$inferSelect
export type SessionRow = typeof sessions.$inferSelect
export type AuditRow = typeof audit.$inferSelect

export function tokenRepo(db: Db) {
  return {
    insert: (row: typeof tokens.$inferInsert) => db.insert(tokens).values(row).run(),
    byHash: (hash: string) => db.select().from(tokens).where(eq(tokens.hash, hash)).get(),
    byName: (name: string) => db.select().from(tokens).where(eq(tokens.name, name)).get(),
    byId: (id: string) => db.select().from(tokens).where(eq(tokens.id, id)).get(),
    list: () => db.select().from(tokens).orderBy(tokens.createdAt).all(),
    active: () => db.select().from(tokens).where(isNull(tokens.revokedAt)).all(),
    touch: (id: string, at: Date) => db.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, id)).run(),
    revoke: (name: string, at: Date) =>
      db.update(tokens).set({ revokedAt: at }).where(and(eq(tokens.name, name), isNull(tokens.revokedAt))).returning({ id: tokens.id }).all().length,
    replaceHash: (id: string, hash: string, scopes: TokenRow['scopes']) =>
      db.update(tokens).set({ hash, scopes, revokedAt: null }).where(eq(tokens.id, id)).run(),
  }
}

export function sessionRepo(db: Db) {
  return {
    insert: (row: SessionRow) => db.insert(sessions).values(row).run(),
    byHash: (hash: string) => db.select().from(sessions).where(eq(sessions.hash, hash)).get(),
    remove: (hash: string) => db.delete(sessions).where(eq(sessions.hash, hash)).run(),
    removeForToken: (tokenId: string) => db.delete(sessions).where(eq(sessions.tokenId, tokenId)).run(),
    removeExpired: (now: Date) => db.delete(sessions).where(lt(sessions.expiresAt, now)).run(),
  }
}

export type AuditFilter = { tool?: string; actor?: string; outcome?: 'ok' | 'error'; since?: Date; limit: number }

export function auditRepo(db: Db) {
  return {
    insert: (row: typeof audit.$inferInsert) => db.insert(audit).values(row).run(),
    /**
     * The audit write is on every tool call's path, so it is one statement prepared once, bound per
     * row, instead of a drizzle insert built and prepared per row (that was a quarter of a /mcp
     * tools/call's CPU). The column encodings are drizzle's: `at` in ms, `arguments` as JSON text.
     */
    insertMany: (() => {
      let stmt: ReturnType<Db['$client']['prepare']> | undefined
      return (rows: (typeof audit.$inferInsert)[]) => {
        stmt ??= db.$client.prepare('INSERT INTO audit (at, actor, surface, tool, arguments, outcome, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        for (const r of rows) {
          const args = r.arguments === undefined || r.arguments === null ? null : JSON.stringify(r.arguments)
          stmt.run(r.at.getTime(), r.actor, r.surface, r.tool, args, r.outcome, r.error ?? null, r.durationMs)
        }
      }
    })(),
    query: (f: AuditFilter) => {
      const where: SQL[] = []
      if (f.tool) where.push(eq(audit.tool, f.tool))
      if (f.actor) where.push(eq(audit.actor, f.actor))
      if (f.outcome) where.push(eq(audit.outcome, f.outcome))
      if (f.since) where.push(gte(audit.at, f.since))
      return db.select().from(audit).where(and(...where)).orderBy(desc(audit.id)).limit(f.limit).all()
    },
    removeBefore: (at: Date) => db.delete(audit).where(lt(audit.at, at)).returning({ id: audit.id }).all().length,
  }
}
