import { HearthError, ProviderUnavailable, errorMessage } from '../core/errors'
import type { HearthConfig } from '../core/config'
import type { Logger } from '../core/log'
import type { ToolRegistry } from '../mcp/types'
import type { ChatMessage, ChatParams, Providers, ToolCall, ToolSpec, Usage } from '../providers/types'
import type { ErrorFrameBody, ServerFrame } from './schema'
import { runTools, type ToolRecord } from './tool-run'

/** Where a turn's rows go; `null` for stateless callers (/v1/chat/completions). */
export interface TurnRecorder {
  /** The row the next streamed answer goes into (created `streaming` when the turn starts). */
  readonly messageId: string
  add(kind: 'text' | 'thinking', delta: string): void
  addImage(image: { mime: string; data: string }): void
  /** Closes the current row with tool calls, stores their results, opens the next answer row. */
  toolHop(calls: ToolCall[], results: ToolRecord[], meta: { provider: string; model: string }): void
  finish(status: 'complete' | 'error' | 'cancelled', meta: { provider?: string; model?: string; usage?: Usage; error?: string; firstTokenMs?: number }): void
}

export type TurnOptions = {
  requestId?: string
  conversationId?: string
  /** The context: system prompt first, the new user message last. */
  messages: ChatMessage[]
  provider?: string
  model?: string
  params?: ChatParams
  tools: ToolSpec[]
  registry: ToolRegistry | null
  actor: string
  signal: AbortSignal
  emit: (frame: ServerFrame) => void
  recorder: TurnRecorder | null
  providers: Providers | null
  config: HearthConfig
  log: Logger
  /** Counts streamed text for the tokens/s gauge. */
  onChars?: (n: number) => void
}

export type TurnResult = {
  status: 'complete' | 'error' | 'cancelled'
  text: string
  thinking: string
  usage?: Usage
  provider?: string
  model?: string
  error?: ErrorFrameBody
  tools: ToolRecord[]
}

export const NO_PROVIDER_MESSAGE =
  'no AI provider is configured. Add one under `providers:` in hearth.yaml, e.g. ' +
  '`providers: { openai: { kind: openai, api_key: "${OPENAI_API_KEY}", model: gpt-4o-mini } }`, ' +
  'or in the admin panel (Providers), then chat again; no restart is needed.'

function errorBody(err: unknown): ErrorFrameBody {
  if (err instanceof HearthError) return { code: err.code, message: err.message }
  return { code: 'upstream_failed', message: errorMessage(err) }
}

const sum = (a: Usage | undefined, b: Usage | undefined): Usage | undefined =>
  !a ? b : !b ? a : { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens }

/**
 * One answer: the provider stream, the tool loop, frames and persistence. Never throws: every
 * outcome ends in exactly one `complete` or one final `error` frame (a cancelled answer ends with
 * `error` code `cancelled`; an `error` carrying `continued_by` is not final: the next provider
 * goes on with the answer).
 */
export async function runTurn(o: TurnOptions): Promise<TurnResult> {
  const base = { request_id: o.requestId, conversation_id: o.conversationId }
  const started = Date.now()
  let text = ''
  let thinking = ''
  let usage: Usage | undefined
  let firstTokenMs: number | undefined
  const toolLog: ToolRecord[] = []
  const finish = (status: TurnResult['status'], meta: { provider?: string; model?: string; error?: ErrorFrameBody }): TurnResult => {
    o.recorder?.finish(status, { provider: meta.provider, model: meta.model, usage, error: meta.error?.message, firstTokenMs })
    if (status === 'complete') o.emit({ ...base, status: 'complete', message_id: o.recorder?.messageId, usage, provider: meta.provider, model: meta.model })
    else if (meta.error) o.emit({ ...base, status: 'error', error: meta.error })
    return { status, text, thinking, usage, provider: meta.provider, model: meta.model, error: meta.error, tools: toolLog }
  }
  const cancelled = (p: { name?: string; model?: string }) => finish('cancelled', { provider: p.name, model: p.model, error: { code: 'cancelled', message: 'the answer was cancelled; what was streamed so far is kept' } })

  if (!o.providers) return finish('error', { error: errorBody(new ProviderUnavailable(NO_PROVIDER_MESSAGE)) })

  const messages = [...o.messages]
  // The provider that answered the last round; later rounds of the tool loop start with it.
  let current: { name?: string; model?: string } = { name: o.provider, model: o.model }
  let hops = 0
  for (;;) {
    if (o.signal.aborted) return cancelled(current)
    const calls: ToolCall[] = []
    let hopText = ''
    let hopThinking = ''
    let thinkingSignature: string | undefined
    try {
      // Fallback before the first token, continuation after a mid-answer failure, timeouts and
      // retries all live behind Providers.stream; what arrives here is the answer's events.
      const events = o.providers.stream({
        provider: current.name,
        model: current.model,
        request: { messages, tools: o.tools.length ? o.tools : undefined, params: o.params, signal: o.signal },
        continueOnFailure: o.config.chat.continue_on_fallback,
        log: o.log,
      })
      let interrupted: ErrorFrameBody | undefined
      for await (const ev of events) {
        switch (ev.kind) {
          case 'provider':
            current = { name: ev.provider, model: ev.model }
            if (firstTokenMs === undefined) firstTokenMs = Date.now() - started
            // Never a silent switch: the failure is reported, then the next provider goes on.
            if (interrupted) o.emit({ ...base, status: 'error', error: { ...interrupted, continued_by: ev.provider } })
            interrupted = undefined
            break
          case 'interrupted':
            interrupted = errorBody(ev.error)
            break
          case 'text':
            text += ev.delta
            hopText += ev.delta
            o.recorder?.add('text', ev.delta)
            o.onChars?.(ev.delta.length)
            o.emit({ ...base, status: 'chunk', chunk: { type: 'text', data: ev.delta } })
            break
          case 'thinking':
            thinking += ev.delta
            hopThinking += ev.delta
            o.recorder?.add('thinking', ev.delta)
            o.emit({ ...base, status: 'chunk', chunk: { type: 'thinking', data: ev.delta } })
            break
          case 'image':
            o.recorder?.addImage({ mime: ev.mime, data: ev.data })
            o.emit({ ...base, status: 'chunk', chunk: { type: 'image', mime: ev.mime, data: ev.data } })
            break
          case 'tool-call':
            calls.push(ev.signature ? { id: ev.id, name: ev.name, args: ev.args, signature: ev.signature } : { id: ev.id, name: ev.name, args: ev.args })
            break
          case 'done':
            usage = sum(usage, ev.usage)
            thinkingSignature = ev.thinkingSignature
            break
        }
      }
    } catch (err) {
      if (o.signal.aborted || (err instanceof HearthError && err.code === 'cancelled')) return cancelled(current)
      // Before the first token this is the whole chain failing; after it, a broken answer whose
      // partial stays in history. Either way an `error` frame, never a silent `complete`.
      o.log.warn('answer failed', { provider: current.name, error: errorMessage(err) })
      return finish('error', { provider: current.name, model: current.model, error: errorBody(err) })
    }
    if (o.signal.aborted) return cancelled(current)
    // The last chunks are published but the server writes them only when the event loop turns;
    // yield one turn so they leave before the final row is written (measured: -0.7 ms on the last
    // chunk; setImmediate runs too early to help). Stateless callers write nothing: no wait.
    if (o.recorder) await Bun.sleep(0)
    const p = { name: current.name!, model: current.model! }
    if (calls.length === 0) return finish('complete', { provider: p.name, model: p.model })

    // The tool loop.
    if (hops >= o.config.chat.max_tool_hops) {
      return finish('error', {
        provider: p.name,
        model: p.model,
        error: { code: 'tool_hop_limit', message: `stopped after ${hops} rounds of tool calls (chat.max_tool_hops = ${o.config.chat.max_tool_hops}); the model kept asking for more tools` },
      })
    }
    hops++
    const results = await runTools({ calls, registry: o.registry, actor: o.actor, conversationId: o.conversationId, signal: o.signal, emit: o.emit, base })
    toolLog.push(...results)
    o.recorder?.toolHop(calls, results, { provider: p.name, model: p.model })
    // Vendors that sign their reasoning (Anthropic thinking, Gemini thought signatures) need it back verbatim.
    messages.push({ role: 'assistant', content: hopText, toolCalls: calls, ...(hopThinking ? { thinking: hopThinking } : {}), ...(thinkingSignature ? { thinkingSignature } : {}) })
    for (const r of results) messages.push({ role: 'tool', toolCallId: r.id, name: r.name, content: r.content, isError: r.isError })
  }
}
