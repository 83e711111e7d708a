import { asc, eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { models } from '../db/schema'
import type { ChatParams } from './types'

export type ModelKind = 'chat' | 'completion' | 'embedding'

/** What the `spec` JSON column holds for a registered model. */
export type ModelSpec = { kinds: ModelKind[]; params: Pick<ChatParams, 'temperature' | 'top_p' | 'max_tokens'> }

export type ModelRow = { id: string; provider: string; model: string; spec: ModelSpec; createdAt: Date }

/** The registered models (SPEC §7 model registry); one row per caller-chosen id. */
export function modelRepo(db: Db) {
  const toRow = (r: typeof models.$inferSelect): ModelRow => {
    const spec = r.spec as Partial<ModelSpec>
    return { id: r.id, provider: r.provider, model: r.model, spec: { kinds: spec.kinds ?? ['chat', 'completion'], params: spec.params ?? {} }, createdAt: r.createdAt }
  }
  return {
    /** False when the id is taken. */
    insert(row: ModelRow): boolean {
      return db.insert(models).values(row).onConflictDoNothing().returning({ id: models.id }).all().length > 0
    },
    list: (): ModelRow[] => db.select().from(models).orderBy(asc(models.createdAt), asc(models.id)).all().map(toRow),
    get(id: string): ModelRow | null {
      const r = db.select().from(models).where(eq(models.id, id)).get()
      return r ? toRow(r) : null
    },
    delete: (id: string): boolean => db.delete(models).where(eq(models.id, id)).returning({ id: models.id }).all().length > 0,
  }
}

export type ModelRepo = ReturnType<typeof modelRepo>
