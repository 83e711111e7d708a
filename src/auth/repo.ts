import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/client'
import { tokens } from '../db/schema'

export type TokenRow = typeof tokens.$inferSelect

export function tokenRepo(db: Db) {
  return {
    insert: (row: typeof tokens.$inferInsert) => db.insert(tokens).values(row).run(),
    byHash: (hash: string) => db.select().from(tokens).where(eq(tokens.hash, hash)).get(),
    byName: (name: string) => db.select().from(tokens).where(eq(tokens.name, name)).get(),
    list: () => db.select().from(tokens).orderBy(tokens.createdAt).all(),
    active: () => db.select().from(tokens).where(isNull(tokens.revokedAt)).all(),
    touch: (id: string, at: Date) => db.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, id)).run(),
    revoke: (name: string, at: Date) =>
      db.update(tokens).set({ revokedAt: at }).where(and(eq(tokens.name, name), isNull(tokens.revokedAt))).returning({ id: tokens.id }).all().length,
    replaceHash: (id: string, hash: string, scopes: TokenRow['scopes']) =>
      db.update(tokens).set({ hash, scopes, revokedAt: null }).where(eq(tokens.id, id)).run(),
  }
}
