import { HearthError, ProviderUnavailable, errorMessage } from '../core/errors'
import type { HearthConfig } from '../core/config'
import type { Logger } from '../core/log'
import type { ToolRegistry } from '../mcp/types'
import type { ChatMessage, ChatParams, ChatProvider, Providers, ToolCall, ToolSpec, Usage } from '../providers/types'
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

const CONTINUE_INSTRUCTION =
  'Your previous answer was cut off by a connection failure. Continue it exactly where it stopped, without repeating anything or commenting on the interruption.'

function errorBody(err: unknown): ErrorFrameBody {
  if (err instanceof HearthError) return { code: err.code, message: err.message }
  return { code: 'upstream_failed', message: errorMessage(err) }
}

const sum = (a: Usage | undefined, b: Usage | undefined): Usage | undefined =>
  !a ? b : !b ? a : { prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens }

/**
 * One answer: provider choice and fallback, the tool loop, frames and persistence. Never throws:
 * every outcome ends in exactly one `complete` or terminal `error` frame (or, cancelled, a
 * `complete` the client asked for by cancelling is not sent; an `error` with code `cancelled` is).
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
  const cancelled = (p?: ChatProvider) => finish('cancelled', { provider: p?.name, model: p?.model, error: { code: 'cancelled', message: 'the answer was cancelled; what was streamed so far is kept' } })

  const chain = o.providers ? (o.provider ? o.providers.chain(o.provider) : o.providers.active() ? o.providers.chain() : []) : []
  if (chain.length === 0) return finish('error', { error: errorBody(new ProviderUnavailable(NO_PROVIDER_MESSAGE)) })

  const messages = [...o.messages]
  let idx = 0
  let provider: ChatProvider | undefined
  let lastError: unknown
  let hops = 0
  let committed = false // the current provider has sent something this turn
  for (;;) {
    if (o.signal.aborted) return cancelled(provider)
    if (!provider || !committed) {
      try {
        provider = o.providers!.get(chain[idx]!, idx === 0 ? o.model : undefined)
      } catch (err) {
        lastError = err
        if (++idx < chain.length) continue
        return finish('error', { error: errorBody(err) })
      }
    }
    const p = provider
    const calls: ToolCall[] = []
    let gotAny = false
    let hopText = ''
    let hopThinking = ''
    let thinkingSignature: string | undefined
    try {
      // Timeouts (first_token_timeout_ms, timeout_ms) and retries before the first token live at the
      // provider boundary; a timeout arrives here as a thrown `timeout` error like any other failure.
      for await (const ev of p.stream({ model: p.model, messages, tools: o.tools.length ? o.tools : undefined, params: o.params, signal: o.signal })) {
        if (!gotAny) {
          gotAny = true
          if (firstTokenMs === undefined) firstTokenMs = Date.now() - started
          if (!committed) {
            committed = true
            o.log.debug(() => `turn ${o.requestId ?? ''} answered by ${p.name}/${p.model}`)
          }
        }
        switch (ev.kind) {
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
      if (o.signal.aborted) return cancelled(p)
      lastError = err
      if (!gotAny && !committed) {
        // Before the first token: quietly try the next provider of the chain.
        o.log.warn('provider failed before its first token', { provider: p.name, error: errorMessage(err) })
        if (++idx < chain.length) continue
        const e = errorBody(lastError)
        const message = chain.length > 1 ? `every provider failed (${chain.join(', ')}); last: ${e.message}` : e.message
        return finish('error', { provider: p.name, model: p.model, error: { code: e.code, message } })
      }
      // Mid-answer: never a silent complete. The partial stays; optionally the next one continues.
      const e = errorBody(err)
      o.log.warn('provider failed mid-answer', { provider: p.name, error: e.message })
      const next = chain[idx + 1]
      if (o.config.chat.continue_on_fallback && next && calls.length === 0) {
        o.emit({ ...base, status: 'error', error: { ...e, continued_by: next } })
        messages.push({ role: 'assistant', content: hopText }, { role: 'user', content: CONTINUE_INSTRUCTION })
        idx++
        committed = false
        provider = undefined
        continue
      }
      return finish('error', { provider: p.name, model: p.model, error: e })
    }
    if (o.signal.aborted) return cancelled(p)
    // The last chunks are published but the server writes them only when the event loop turns;
    // yield one turn so they leave before the final row is written (measured: -0.7 ms on the last
    // chunk; setImmediate runs too early to help).
    await Bun.sleep(0)
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
