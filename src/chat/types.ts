/**
 * What other features (the admin panel, home) may use of chat. Everything else in src/chat is
 * private to it.
 */
export type { ServerFrame } from './schema'

/** Extra text for the system prompt, asked for on every turn (home adds a device overview). */
export type ContextContributor = () => string

export type MessageView = {
  id: string
  role: 'user' | 'assistant' | 'tool' | 'system'
  content: string
  thinking?: string
  tool_calls?: { id: string; name: string; arguments: unknown }[]
  tool_call_id?: string
  images?: { mime: string; data: string }[]
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
  provider?: string
  model?: string
  status: 'complete' | 'streaming' | 'error' | 'cancelled'
  error?: string
  first_token_ms?: number
  duration_ms?: number
  created_at: string
}

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
