/**
 * What other features (the admin panel, home) may use of chat. Everything else in src/chat is
 * private to it.
 */
import type { Static } from 'elysia'
import type { MessageViewSchema } from './schema'

export type { ServerFrame, ReplyFrame, CompatFrame } from './schema'

/** Extra text for the system prompt, asked for on every turn (home adds a device overview). */
export type ContextContributor = () => string

export type MessageView = Static<typeof MessageViewSchema>

export type ConversationSummary = { id: string; title: string; created_at: string; updated_at: string; messages: number }

export type ChatStats = {
  connections: number
  active_streams: number
  tokens_per_s: number
  frames_sent: number
  slow_clients_closed: number
  /** Recent publishes of one frame to a conversation's sockets. */
  fanout: { p50_ms: number; p99_ms: number; samples: number }
}

export interface ChatApi {
  addContext(fn: ContextContributor): () => void
  listConversations(opts?: { limit?: number; offset?: number }): ConversationSummary[]
  conversation(id: string): { id: string; title: string; created_at: string; updated_at: string; messages: MessageView[] }
  deleteConversation(id: string): void
  stats(): ChatStats
}
