import { Elysia } from 'elysia'
import type { Principal } from '../auth/types'
import { HearthError, errorMessage } from '../core/errors'
import type { ChatMessage, ChatParams, ToolCall } from '../providers/types'
import { ChatCompletionsBody, type ChatCompletionsInput, type OpenAiMessageInput, type ServerFrame } from './schema'
import type { ChatService } from './service'
import type { TurnResult } from './turn'

/**
 * OpenAI's `POST /v1/chat/completions` and `GET /v1/models` (SPEC §7), thin over the same turn
 * runner as the WebSocket: any OpenAI client on the LAN gets the hub's providers, fallback and
 * tools. The caller holds the history (as with OpenAI), so nothing is stored here. Tool calls are
 * run by the hub inside the turn; the client sees only the final answer.
 */
const STATUS: Record<string, number> = { provider_unavailable: 503, timeout: 504, upstream_failed: 502, tool_hop_limit: 502, cancelled: 499, not_found: 404 }

function text(content: OpenAiMessageInput['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content.map((p) => p.text ?? '').join('')
}

function toMessages(input: OpenAiMessageInput[]): ChatMessage[] {
  const out: ChatMessage[] = []
  const system = input.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => text(m.content))
  if (system.length) out.push({ role: 'system', content: system.join('\n\n') })
  const names = new Map<string, string>()
  for (const m of input) {
    if (m.role === 'user') out.push({ role: 'user', content: text(m.content) })
    else if (m.role === 'assistant') {
      const calls: ToolCall[] | undefined = m.tool_calls?.map((c) => {
        names.set(c.id, c.function.name)
        let args: Record<string, unknown> = {}
        try {
          const parsed = JSON.parse(c.function.arguments || '{}')
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed
        } catch {
          // a client's malformed history: the model sees an empty argument object
        }
        return { id: c.id, name: c.function.name, args }
      })
      out.push(calls?.length ? { role: 'assistant', content: text(m.content), toolCalls: calls } : { role: 'assistant', content: text(m.content) })
    } else if (m.role === 'tool') {
      out.push({ role: 'tool', toolCallId: m.tool_call_id ?? '', name: m.name ?? names.get(m.tool_call_id ?? '') ?? 'tool', content: text(m.content) })
    }
  }
  return out
}

/** `model` may name a provider (`anthropic`), a provider and model (`openrouter/openai/gpt-4o`), or a model of the active one. */
export function resolveModel(model: string | undefined, names: string[] | (() => string[])): { provider?: string; model?: string } {
  if (!model || model === 'hearth' || model === 'default') return {}
  // A getter, so the common `model: "hearth"` never builds the provider listing (URL parsing per provider).
  const providerNames = typeof names === 'function' ? names() : names
  if (providerNames.includes(model)) return { provider: model }
  const slash = model.indexOf('/')
  if (slash > 0 && providerNames.includes(model.slice(0, slash))) return { provider: model.slice(0, slash), model: model.slice(slash + 1) }
  return { model }
}

const params = (b: ChatCompletionsInput): ChatParams | undefined => {
  const p: ChatParams = {}
  if (b.temperature !== undefined) p.temperature = b.temperature
  if (b.top_p !== undefined) p.top_p = b.top_p
  const max = b.max_completion_tokens ?? b.max_tokens
  if (max !== undefined) p.max_tokens = max
  return Object.keys(p).length ? p : undefined
}

const enc = new TextEncoder()

function stream(svc: ChatService, body: ChatCompletionsInput, principal: Principal, signal: AbortSignal): Response {
  const id = `chatcmpl-${crypto.randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const target = resolveModel(body.model, () => svc.providerNames())
  const modelName = body.model ?? 'hearth'
  const ctl = new AbortController()
  signal.addEventListener('abort', () => ctl.abort(), { once: true })
  let first = true
  return new Response(
    new ReadableStream<Uint8Array>({
      start(c) {
        const send = (payload: unknown) => c.enqueue(enc.encode(`data: ${JSON.stringify(payload)}\n\n`))
        const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => {
          if (first) {
            delta = { role: 'assistant', ...delta }
            first = false
          }
          send({ id, object: 'chat.completion.chunk', created, model: modelName, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })
        }
        const emit = (f: ServerFrame) => {
          if (f.status === 'chunk') {
            if (f.chunk.type === 'text') chunk({ content: f.chunk.data })
            else if (f.chunk.type === 'thinking') chunk({ reasoning_content: f.chunk.data })
          }
        }
        svc
          .complete({ messages: toMessages(body.messages), ...target, params: params(body), tools: body.hearth_tools !== false, actor: principal.name, signal: ctl.signal, emit })
          .then((r) => {
            if (r.status === 'complete') chunk({}, 'stop', r.usage ? { usage: r.usage } : {})
            else if (r.status === 'error') send({ error: { code: r.error?.code ?? 'internal', message: r.error?.message ?? 'failed' } })
          })
          .catch((err) => send({ error: { code: 'internal', message: errorMessage(err) } }))
          .finally(() => {
            try {
              c.enqueue(enc.encode('data: [DONE]\n\n'))
              c.close()
            } catch {
              // the client went away first
            }
          })
      },
      cancel() {
        ctl.abort()
      },
    }),
    { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' } },
  )
}

function whole(body: ChatCompletionsInput, r: TurnResult) {
  if (r.status !== 'complete') {
    const code = r.error?.code ?? 'internal'
    throw new HearthError(code, r.error?.message ?? 'the answer failed', STATUS[code] ?? 502)
  }
  const message: Record<string, unknown> = { role: 'assistant', content: r.text }
  if (r.thinking) message.reasoning_content = r.thinking
  return {
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? r.model ?? 'hearth',
    choices: [{ index: 0, message, finish_reason: 'stop' }],
    usage: r.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  }
}

export const openAiCompatPlugin = (svc: ChatService) =>
  new Elysia({ name: 'openai-compat' })
    .post(
      '/v1/chat/completions',
      async (ctx) => {
        const { body, request } = ctx
        const principal = (ctx as unknown as { principal: Principal }).principal
        if (body.stream) return stream(svc, body, principal, request.signal)
        const r = await svc.complete({
          messages: toMessages(body.messages),
          ...resolveModel(body.model, () => svc.providerNames()),
          params: params(body),
          tools: body.hearth_tools !== false,
          actor: principal.name,
          signal: request.signal,
          emit: () => {},
        })
        return whole(body, r)
      },
      { body: ChatCompletionsBody },
    )
    .get('/v1/models', () => ({
      object: 'list',
      data: svc.providerSummaries().flatMap((p) => [
        { id: p.name, object: 'model', created: 0, owned_by: p.kind },
        { id: `${p.name}/${p.model}`, object: 'model', created: 0, owned_by: p.kind },
      ]),
    }))
