import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core'

export type StoredToolCall = { id: string; name: string; arguments: unknown; result?: unknown; is_error?: boolean }
export type StoredImage = { mime: string; data: string }
export type StoredUsage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export const conversations = sqliteTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull().default(''),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('conversations_updated_idx').on(t.updatedAt)],
)

export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Monotonic within a conversation: the order the model saw. */
    seq: integer('seq').notNull(),
    role: text('role', { enum: ['user', 'assistant', 'tool', 'system'] }).notNull(),
    content: text('content').notNull().default(''),
    thinking: text('thinking').notNull().default(''),
    toolCalls: text('tool_calls', { mode: 'json' }).$type<StoredToolCall[]>(),
    toolCallId: text('tool_call_id'),
    images: text('images', { mode: 'json' }).$type<StoredImage[]>(),
    usage: text('usage', { mode: 'json' }).$type<StoredUsage>(),
    provider: text('provider'),
    model: text('model'),
    /** `streaming` rows are partial answers flushed while the provider still talks. */
    status: text('status', { enum: ['complete', 'streaming', 'error', 'cancelled'] }).notNull().default('complete'),
    error: text('error'),
    firstTokenMs: integer('first_token_ms'),
    durationMs: integer('duration_ms'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('messages_conversation_seq_idx').on(t.conversationId, t.seq), index('messages_created_idx').on(t.createdAt)],
)
