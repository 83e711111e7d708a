/**
 * The provider boundary. Adapters turn each vendor SDK's stream into `ChatEvent`s; nothing past
 * this file sees a vendor type.
 */
export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export type ChatEvent =
  | { kind: 'text'; delta: string }
  | { kind: 'thinking'; delta: string }
  | { kind: 'tool-call'; id: string; name: string; args: Record<string, unknown>; signature?: string }
  | { kind: 'image'; mime: string; data: string }
  | {
      kind: 'done'
      usage?: Usage
      stop?: 'end' | 'tool_calls' | 'length' | 'other'
      /** Anthropic signs its thinking; replay it on the assistant message for the next tool hop. */
      thinkingSignature?: string
    }

/**
 * `signature` is opaque vendor state (Gemini's thought signature) that must be sent back with the
 * call on the next hop of a tool loop; store it with the call and hand it back unchanged.
 */
export type ToolCall = { id: string; name: string; args: Record<string, unknown>; signature?: string }

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; images?: { mime: string; data: string }[] }
  | {
      role: 'assistant'
      content: string
      toolCalls?: ToolCall[]
      /** The thinking of this answer and its signature (from `done`), replayed to Anthropic in tool loops. */
      thinking?: string
      thinkingSignature?: string
    }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean }

/** A tool as offered to a model: JSON Schema input, translated per vendor by the adapter. */
export type ToolSpec = { name: string; description: string; inputSchema: Record<string, unknown> }

export type ChatParams = { temperature?: number; top_p?: number; max_tokens?: number; thinking_tokens?: number }

export type ChatRequest = {
  model: string
  messages: ChatMessage[]
  tools?: ToolSpec[]
  params?: ChatParams
  signal: AbortSignal
  /** Asks for a JSON object answer (ai_configure's interpreter). */
  json?: boolean
}

export type ImageRequest = { prompt: string; size?: string; signal: AbortSignal }

/** Text embeddings (the inference API's `/embedding`): one vector per input, in order. */
export type EmbedRequest = { model: string; input: string[]; signal: AbortSignal }
export type Embeddings = { vectors: number[][]; usage?: { prompt_tokens: number; total_tokens: number } }
export type Image = { mime: string; data: string }

export type ProviderKind = 'openai' | 'anthropic' | 'gemini'

/**
 * What `streamWithFallback` yields: the provider's events, plus a `provider` marker before the
 * first event of whichever provider answers (and again when a fallback takes over).
 */
export type FallbackEvent =
  | ChatEvent
  | {
      kind: 'provider'
      provider: string
      model: string
      /** The providers that failed before this one answered, with their reasons. */
      fallbackFrom?: { provider: string; code: string; error: string }[]
      /** This provider continues an answer another one broke off (`chat.continue_on_fallback`). */
      continued?: boolean
    }
  /** The answering provider failed mid-answer and the next one will continue it: report `error`, keep going. */
  | { kind: 'interrupted'; provider: string; model: string; error: ProviderFailedMidStream }

import type { Logger } from '../core/log'
import type { ProviderFailedMidStream } from './provider-errors'
export { ProviderCancelled, ProviderFailed, ProviderFailedMidStream } from './provider-errors'

export interface ChatProvider {
  readonly name: string
  readonly kind: ProviderKind
  readonly model: string
  stream(req: ChatRequest): AsyncIterable<ChatEvent>
  image?(req: ImageRequest): Promise<Image>
  /** Absent, or rejecting with a 400, for a kind without an embeddings API (anthropic). */
  embed?(req: EmbedRequest): Promise<Embeddings>
}

export type ProviderSummary = {
  name: string
  kind: ProviderKind
  model: string
  base_url?: string
  has_key: boolean
  active: boolean
  /** `file`: from hearth.yaml (remove it there); `override`: added at runtime (DELETE removes it). */
  source?: 'file' | 'override'
  /** Why it cannot be called as configured (e.g. no API key), with how to fix it. */
  problem?: string
}

/** What chat, the built-in tools and the admin panel need from the providers feature. */
export interface Providers {
  /** The provider a chat uses when none is named: `chat.provider`, else the first configured. */
  active(): { name: string; model: string } | null
  get(name: string, model?: string): ChatProvider
  list(): ProviderSummary[]
  /** Makes NAME the active provider (a runtime override); validated. */
  use(name: string, model?: string): void
  /** The fallback chain for a turn: the chosen provider, then `chat.fallback` (deduplicated). */
  chain(name?: string): string[]
  /** A turn through the fallback chain: `streamWithFallback(this, opts)`. */
  stream(opts: FallbackOptions): AsyncIterable<FallbackEvent>
}

export type FallbackOptions = {
  /** The provider asked for (the chat payload's `provider`); else the active one. */
  provider?: string
  /** Applies to the first provider only; fallbacks use their own configured model. */
  model?: string
  request: Omit<ChatRequest, 'model'>
  /** On a failure mid-answer, yield `interrupted` and let the next provider continue the answer (`chat.continue_on_fallback`). */
  continueOnFailure?: boolean
  log?: Logger
}

export { streamWithFallback } from './fallback'
