import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import { newId } from '../core/ids'
import type { Db } from '../db/client'
import { conversations, messages, type StoredImage, type StoredToolCall, type StoredUsage } from '../db/schema'

export type ConversationRow = typeof conversations.$inferSelect
export type MessageRow = typeof messages.$inferSelect
export type MessageStatus = MessageRow['status']

export type NewMessage = {
  conversationId: string
  role: MessageRow['role']
  content?: string
  thinking?: string
  toolCalls?: StoredToolCall[]
  toolCallId?: string
  images?: StoredImage[]
  usage?: StoredUsage
  provider?: string
  model?: string
  status?: MessageStatus
  error?: string
}

export type MessagePatch = Partial<
  Pick<MessageRow, 'content' | 'thinking' | 'toolCalls' | 'images' | 'usage' | 'provider' | 'model' | 'status' | 'error' | 'firstTokenMs' | 'durationMs'>
>

/** Conversations and messages in SQLite. Synchronous (bun:sqlite), so seq numbers cannot race. */
export class ChatRepo {
  constructor(private db: Db) {}

  createConversation(title = ''): ConversationRow {
    const now = new Date()
    const row = { id: newId('c_'), title: title.slice(0, 120), createdAt: now, updatedAt: now }
    this.db.insert(conversations).values(row).run()
    return row
  }

  getConversation(id: string): ConversationRow | undefined {
    return this.db.select().from(conversations).where(eq(conversations.id, id)).get()
  }

  listConversations(limit: number, offset: number) {
    const count = sql<number>`(SELECT count(*) FROM messages m WHERE m.conversation_id = "conversations"."id")`
    return this.db
      .select({ id: conversations.id, title: conversations.title, createdAt: conversations.createdAt, updatedAt: conversations.updatedAt, messages: count })
      .from(conversations)
      .orderBy(desc(conversations.updatedAt))
      .limit(limit)
      .offset(offset)
      .all()
  }

  deleteConversation(id: string): boolean {
    return this.db.delete(conversations).where(eq(conversations.id, id)).returning({ id: conversations.id }).all().length > 0
  }

  insertMessage(m: NewMessage): MessageRow {
    const now = new Date()
    const seq =
      (this.db
        .select({ s: sql<number>`coalesce(max(${messages.seq}), 0)` })
        .from(messages)
        .where(eq(messages.conversationId, m.conversationId))
        .get()?.s ?? 0) + 1
    const row = {
      id: newId('m_'),
      conversationId: m.conversationId,
      seq,
      role: m.role,
      content: m.content ?? '',
      thinking: m.thinking ?? '',
      toolCalls: m.toolCalls ?? null,
      toolCallId: m.toolCallId ?? null,
      images: m.images ?? null,
      usage: m.usage ?? null,
      provider: m.provider ?? null,
      model: m.model ?? null,
      status: m.status ?? 'complete',
      error: m.error ?? null,
      firstTokenMs: null,
      durationMs: null,
      createdAt: now,
      updatedAt: now,
    } satisfies MessageRow
    this.db.insert(messages).values(row).run()
    this.db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, m.conversationId)).run()
    return row
  }

  updateMessage(id: string, patch: MessagePatch): void {
    this.db.update(messages).set({ ...patch, updatedAt: new Date() }).where(eq(messages.id, id)).run()
  }

  appendToMessage(id: string, text: string, thinking: string): void {
    this.db
      .update(messages)
      .set({ content: sql`${messages.content} || ${text}`, thinking: sql`${messages.thinking} || ${thinking}`, updatedAt: new Date() })
      .where(eq(messages.id, id))
      .run()
  }

  getMessage(id: string): MessageRow | undefined {
    return this.db.select().from(messages).where(eq(messages.id, id)).get()
  }

  /** The newest `limit` messages (before `before` when given), oldest first. */
  history(conversationId: string, limit: number, before?: string): MessageRow[] {
    let beforeSeq: number | undefined
    if (before) beforeSeq = this.getMessage(before)?.seq
    const where = beforeSeq === undefined ? eq(messages.conversationId, conversationId) : and(eq(messages.conversationId, conversationId), lt(messages.seq, beforeSeq))
    return this.db.select().from(messages).where(where).orderBy(desc(messages.seq)).limit(limit).all().reverse()
  }

  allMessages(conversationId: string): MessageRow[] {
    return this.db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(asc(messages.seq)).all()
  }

  /** Rows a crash left half-written: their text stays, the status says what happened. */
  markInterrupted(): number {
    return this.db
      .update(messages)
      .set({ status: 'error', error: 'interrupted: the hub stopped while this answer was streaming', updatedAt: new Date() })
      .where(eq(messages.status, 'streaming'))
      .returning({ id: messages.id })
      .all().length
  }

  /** Retention: drops messages older than `maxAgeMs` and the oldest beyond `maxMessages`, then old empty conversations. */
  sweep(opts: { maxAgeMs: number; maxMessages: number }): { messages: number; conversations: number } {
    const cutoff = new Date(Date.now() - opts.maxAgeMs)
    let removed = this.db.delete(messages).where(lt(messages.createdAt, cutoff)).returning({ id: messages.id }).all().length
    const total = this.db.select({ n: sql<number>`count(*)` }).from(messages).get()?.n ?? 0
    if (total > opts.maxMessages) {
      const excess = total - opts.maxMessages
      const ids = this.db.select({ id: messages.id }).from(messages).orderBy(asc(messages.createdAt), asc(messages.seq)).limit(excess).all()
      for (let i = 0; i < ids.length; i += 500) {
        removed += this.db.delete(messages).where(inArray(messages.id, ids.slice(i, i + 500).map((r) => r.id))).returning({ id: messages.id }).all().length
      }
    }
    // A fresh, still-empty conversation (clear_history) is young and survives.
    const empty = sql`NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = "conversations"."id")`
    const convs = this.db.delete(conversations).where(and(empty, lt(conversations.updatedAt, cutoff))).returning({ id: conversations.id }).all().length
    return { messages: removed, conversations: convs }
  }
}
