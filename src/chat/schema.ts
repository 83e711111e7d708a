import { t, type Static } from 'elysia'

/**
 * Every shape of SPEC §3 (WebSocket chat), the conversation REST API and the OpenAI-compatible
 * surface, written once. Client frames are validated by compiled checkers in `frames.ts`, not by
 * Elysia, so a bad frame gets a `bad_request` reply instead of a closed socket.
 */
const RequestId = t.Optional(t.String({ maxLength: 200 }))
const ConversationId = t.String({ minLength: 1, maxLength: 200 })

export const ChatParamsSchema = t.Object(
  {
    temperature: t.Optional(t.Number({ minimum: 0, maximum: 2 })),
    top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
    max_tokens: t.Optional(t.Integer({ minimum: 1 })),
    thinking_tokens: t.Optional(t.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
)

export const ChatAction = t.Object({
  action: t.Literal('chat'),
  request_id: RequestId,
  text: t.String({ minLength: 1 }),
  conversation_id: t.Optional(ConversationId),
  provider: t.Optional(t.String({ minLength: 1 })),
  model: t.Optional(t.String({ minLength: 1 })),
  params: t.Optional(ChatParamsSchema),
})

export const CancelAction = t.Object({
  action: t.Literal('cancel'),
  request_id: RequestId,
  /** Cancels the running answer of a conversation this socket watches (not only its own asks). */
  conversation_id: t.Optional(ConversationId),
})

export const Topic = t.Union([t.Literal('devices'), t.Literal('config')])

export const SubscribeAction = t.Object({
  action: t.Union([t.Literal('subscribe'), t.Literal('unsubscribe')]),
  request_id: RequestId,
  conversation_id: t.Optional(ConversationId),
  topic: t.Optional(Topic),
})

export const HistoryAction = t.Object({
  action: t.Literal('history'),
  request_id: RequestId,
  conversation_id: ConversationId,
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  /** A message id: only messages older than it. */
  before: t.Optional(t.String({ minLength: 1 })),
})

export const ClearHistoryAction = t.Object({
  action: t.Literal('clear_history'),
  request_id: RequestId,
  conversation_id: t.Optional(ConversationId),
})

export const ImageAction = t.Object({
  action: t.Literal('image'),
  request_id: RequestId,
  prompt: t.String({ minLength: 1 }),
  size: t.Optional(t.String({ pattern: '^[0-9]{2,5}x[0-9]{2,5}$' })),
  conversation_id: t.Optional(ConversationId),
  provider: t.Optional(t.String({ minLength: 1 })),
})

export const PingAction = t.Object({ action: t.Literal('ping'), request_id: RequestId })

/** The older backend's dialect (SPEC §3), accepted on the same socket. */
export const CompatUserMessage = t.Object({ type: t.Literal('user_message'), message: t.String({ minLength: 1 }) })
export const CompatClearHistory = t.Object({ type: t.Literal('clear_history') })

export const ACTIONS = {
  chat: ChatAction,
  cancel: CancelAction,
  subscribe: SubscribeAction,
  unsubscribe: SubscribeAction,
  history: HistoryAction,
  clear_history: ClearHistoryAction,
  image: ImageAction,
  ping: PingAction,
} as const

export type ChatActionFrame = Static<typeof ChatAction>
export type CancelActionFrame = Static<typeof CancelAction>
export type SubscribeActionFrame = Static<typeof SubscribeAction>
export type HistoryActionFrame = Static<typeof HistoryAction>
export type ClearHistoryActionFrame = Static<typeof ClearHistoryAction>
export type ImageActionFrame = Static<typeof ImageAction>
export type ChatParamsInput = Static<typeof ChatParamsSchema>
export type EventTopic = Static<typeof Topic>

// Server → client frames.
const UsageSchema = t.Object({ prompt_tokens: t.Number(), completion_tokens: t.Number(), total_tokens: t.Number() })
const ErrorBodySchema = t.Object({
  code: t.String(),
  message: t.String(),
  /** Set when `chat.continue_on_fallback` hands the rest of the answer to the next provider. */
  continued_by: t.Optional(t.String()),
})
const Chunk = t.Union([
  t.Object({ type: t.Literal('text'), data: t.String() }),
  t.Object({ type: t.Literal('thinking'), data: t.String() }),
  t.Object({ type: t.Literal('image'), mime: t.String(), data: t.String() }),
])
const ToolFrameBody = t.Object({
  name: t.String(),
  id: t.Optional(t.String()),
  status: t.Union([t.Literal('executing'), t.Literal('completed'), t.Literal('failed')]),
  arguments: t.Optional(t.Unknown()),
  result: t.Optional(t.Unknown()),
})

export const ServerFrameSchema = t.Union([
  t.Object({ request_id: RequestId, status: t.Literal('started'), conversation_id: t.String(), message_id: t.String(), provider: t.Optional(t.String()), model: t.Optional(t.String()) }),
  t.Object({ request_id: RequestId, status: t.Literal('chunk'), conversation_id: t.Optional(t.String()), chunk: Chunk }),
  t.Object({ request_id: RequestId, status: t.Literal('tool_execution'), conversation_id: t.Optional(t.String()), tool: ToolFrameBody }),
  t.Object({
    request_id: RequestId,
    status: t.Literal('complete'),
    conversation_id: t.Optional(t.String()),
    message_id: t.Optional(t.String()),
    usage: t.Optional(UsageSchema),
    provider: t.Optional(t.String()),
    model: t.Optional(t.String()),
  }),
  t.Object({ request_id: RequestId, status: t.Literal('error'), conversation_id: t.Optional(t.String()), error: ErrorBodySchema }),
  t.Object({ status: t.Literal('event'), event: t.Record(t.String(), t.Unknown()) }),
])
export type ServerFrame = Static<typeof ServerFrameSchema>

/** A stored message as history, REST and exports show it. */
export const MessageViewSchema = t.Object({
  id: t.String(),
  role: t.Union([t.Literal('user'), t.Literal('assistant'), t.Literal('tool'), t.Literal('system')]),
  content: t.String(),
  thinking: t.Optional(t.String()),
  tool_calls: t.Optional(t.Array(t.Object({ id: t.String(), name: t.String(), arguments: t.Unknown() }))),
  tool_call_id: t.Optional(t.String()),
  images: t.Optional(t.Array(t.Object({ mime: t.String(), data: t.String() }))),
  usage: t.Optional(UsageSchema),
  provider: t.Optional(t.String()),
  model: t.Optional(t.String()),
  status: t.Union([t.Literal('complete'), t.Literal('streaming'), t.Literal('error'), t.Literal('cancelled')]),
  error: t.Optional(t.String()),
  first_token_ms: t.Optional(t.Number()),
  duration_ms: t.Optional(t.Number()),
  created_at: t.String(),
})

/** Replies to one socket's own requests (not fanned out). */
export const ReplyFrameSchema = t.Union([
  t.Object({ request_id: RequestId, status: t.Literal('pong') }),
  t.Object({
    request_id: RequestId,
    status: t.Union([t.Literal('subscribed'), t.Literal('unsubscribed')]),
    conversation_id: t.Optional(t.String()),
    topic: t.Optional(Topic),
  }),
  t.Object({ request_id: RequestId, status: t.Literal('history'), conversation_id: t.String(), messages: t.Array(MessageViewSchema) }),
  t.Object({ request_id: RequestId, status: t.Literal('cleared'), conversation_id: t.String(), previous_conversation_id: t.Optional(t.String()) }),
  t.Object({ request_id: RequestId, status: t.Literal('error'), error: ErrorBodySchema }),
])
export type ReplyFrame = Static<typeof ReplyFrameSchema>

/** The older backend's replies (SPEC §3 compatibility dialect). */
export const CompatFrameSchema = t.Union([
  t.Object({ type: t.Literal('tool_execution'), tool_name: t.String(), status: t.String() }),
  t.Object({ type: t.Literal('assistant_message'), message: t.String(), thinking: t.String(), usage: t.Union([UsageSchema, t.Null()]) }),
  t.Object({ type: t.Literal('history_cleared'), session_id: t.String() }),
  t.Object({ type: t.Literal('error'), code: t.String(), message: t.String() }),
])
export type CompatFrame = Static<typeof CompatFrameSchema>
export type ChunkBody = Static<typeof Chunk>
export type ToolFrame = Static<typeof ToolFrameBody>
export type ErrorFrameBody = Static<typeof ErrorBodySchema>

// REST.
export const ConversationListQuery = t.Object({
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 500 })),
  offset: t.Optional(t.Numeric({ minimum: 0 })),
})
export const ExportQuery = t.Object({ format: t.Optional(t.Union([t.Literal('json'), t.Literal('md')])) })

// OpenAI-compatible surface (SPEC §7). Only what Hearth uses is typed; extra keys are accepted.
const OpenAiContentPart = t.Object({ type: t.String(), text: t.Optional(t.String()) })
export const OpenAiMessage = t.Object({
  role: t.Union([t.Literal('system'), t.Literal('developer'), t.Literal('user'), t.Literal('assistant'), t.Literal('tool')]),
  content: t.Optional(t.Union([t.String(), t.Null(), t.Array(OpenAiContentPart)])),
  tool_call_id: t.Optional(t.String()),
  name: t.Optional(t.String()),
  tool_calls: t.Optional(
    t.Array(t.Object({ id: t.String(), type: t.Optional(t.String()), function: t.Object({ name: t.String(), arguments: t.String() }) })),
  ),
})
export const ChatCompletionsBody = t.Object({
  model: t.Optional(t.String()),
  messages: t.Array(OpenAiMessage, { minItems: 1 }),
  stream: t.Optional(t.Boolean()),
  temperature: t.Optional(t.Number({ minimum: 0, maximum: 2 })),
  top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
  max_tokens: t.Optional(t.Integer({ minimum: 1 })),
  max_completion_tokens: t.Optional(t.Integer({ minimum: 1 })),
  /** false turns the hub's tools off for this request. */
  hearth_tools: t.Optional(t.Boolean()),
})
export type ChatCompletionsInput = Static<typeof ChatCompletionsBody>
export type OpenAiMessageInput = Static<typeof OpenAiMessage>
