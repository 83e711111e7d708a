import { sdkLogger, type Adapter, type AdapterConfig } from './adapter'
import { parseArgs } from './tool-args'
import { cachedAnthropicTools, ToolNameMap } from './tool-schema'
import type { ChatEvent, ChatMessage, ChatRequest } from './types'

/** Anthropic's floor for a thinking budget. */
const MIN_THINKING = 1024
const DEFAULT_MAX_TOKENS = 4096

/**
 * The `anthropic` kind (Messages API). The system prompt travels separately, tool results are
 * user-turn blocks, and thinking is requested only when `thinking_tokens` > 0.
 */
export async function createAnthropicAdapter(cfg: AdapterConfig): Promise<Adapter> {
  const { default: Anthropic } = await import('@anthropic-ai/sdk')
  const client = new Anthropic({
    apiKey: cfg.api_key ?? null,
    authToken: null,
    baseURL: cfg.base_url ?? 'https://api.anthropic.com',
    maxRetries: 0,
    timeout: cfg.timeout_ms,
    logger: sdkLogger(cfg.log),
    logLevel: 'warn',
  })

  return {
    async *stream(req: ChatRequest): AsyncIterable<ChatEvent> {
      const names = new ToolNameMap(req.tools?.map((t) => t.name))
      const p = { temperature: cfg.temperature, top_p: cfg.top_p, max_tokens: cfg.max_tokens, thinking_tokens: cfg.thinking_tokens, ...req.params }
      const thinking = p.thinking_tokens && p.thinking_tokens > 0 ? Math.max(MIN_THINKING, p.thinking_tokens) : 0
      const { system, messages } = toAnthropicMessages(req.messages, names)
      const body: Record<string, unknown> = {
        model: req.model,
        messages,
        // The answer budget must exceed the thinking budget.
        max_tokens: Math.max(p.max_tokens ?? DEFAULT_MAX_TOKENS, thinking ? thinking + 1024 : 1),
        stream: true,
      }
      const systemText = [system, req.json ? 'Answer with one JSON object and nothing else.' : ''].filter(Boolean).join('\n\n')
      if (systemText) body.system = systemText
      if (req.tools?.length) body.tools = cachedAnthropicTools(req.tools, names)
      if (thinking) body.thinking = { type: 'enabled', budget_tokens: thinking }
      // Anthropic refuses sampling parameters alongside thinking.
      else {
        if (p.temperature !== undefined) body.temperature = Math.min(1, p.temperature)
        if (p.top_p !== undefined) body.top_p = p.top_p
      }
      const stream = await client.messages.create(body as never, { signal: req.signal })
      yield* readStream(stream as unknown as AsyncIterable<RawEvent>, names)
    },
  }
}

/** The subset of the raw stream events this adapter reads. */
type RawEvent = {
  type: string
  index?: number
  message?: { usage?: { input_tokens?: number; output_tokens?: number } }
  content_block?: { type: string; id?: string; name?: string; text?: string }
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string; signature?: string; stop_reason?: string | null }
  usage?: { output_tokens?: number; input_tokens?: number | null }
}

async function* readStream(stream: AsyncIterable<RawEvent>, names: ToolNameMap): AsyncIterable<ChatEvent> {
  const calls = new Map<number, { id: string; name: string; json: string }>()
  let input = 0
  let output = 0
  let stop: string | null | undefined
  let signature = ''
  let sawCall = false
  for await (const ev of stream) {
    switch (ev.type) {
      case 'message_start':
        input = ev.message?.usage?.input_tokens ?? 0
        output = ev.message?.usage?.output_tokens ?? 0
        break
      case 'content_block_start': {
        const b = ev.content_block
        if (b?.type === 'tool_use') calls.set(ev.index ?? 0, { id: b.id ?? '', name: b.name ?? '', json: '' })
        else if (b?.type === 'text' && b.text) yield { kind: 'text', delta: b.text }
        break
      }
      case 'content_block_delta': {
        const d = ev.delta ?? {}
        if (d.type === 'text_delta' && d.text) yield { kind: 'text', delta: d.text }
        else if (d.type === 'thinking_delta' && d.thinking) yield { kind: 'thinking', delta: d.thinking }
        else if (d.type === 'input_json_delta') {
          const call = calls.get(ev.index ?? 0)
          if (call) call.json += d.partial_json ?? ''
        } else if (d.type === 'signature_delta') signature += d.signature ?? ''
        break
      }
      case 'content_block_stop': {
        const call = calls.get(ev.index ?? 0)
        if (call) {
          calls.delete(ev.index ?? 0)
          sawCall = true
          yield { kind: 'tool-call', id: call.id, name: names.fromVendor(call.name), args: parseArgs(call.name, call.json) }
        }
        break
      }
      case 'message_delta':
        stop = ev.delta?.stop_reason ?? stop
        if (ev.usage?.output_tokens !== undefined) output = ev.usage.output_tokens
        if (typeof ev.usage?.input_tokens === 'number') input = ev.usage.input_tokens
        break
    }
  }
  const done: Extract<ChatEvent, { kind: 'done' }> = {
    kind: 'done',
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
    stop: stop === 'tool_use' || (sawCall && !stop) ? 'tool_calls' : stop === 'end_turn' || stop === 'stop_sequence' || !stop ? 'end' : stop === 'max_tokens' ? 'length' : 'other',
  }
  if (signature) done.thinkingSignature = signature
  yield done
}

type Block = Record<string, unknown>
type Turn = { role: 'user' | 'assistant'; content: Block[] }

function toAnthropicMessages(messages: ChatMessage[], names: ToolNameMap): { system: string; messages: Turn[] } {
  const system: string[] = []
  const turns: Turn[] = []
  // Consecutive same-role messages merge: all tool results of one hop must sit in one user turn.
  const push = (role: Turn['role'], blocks: Block[]) => {
    if (blocks.length === 0) return
    const last = turns[turns.length - 1]
    if (last?.role === role) last.content.push(...blocks)
    else turns.push({ role, content: blocks })
  }
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        system.push(m.content)
        break
      case 'user':
        push('user', [
          ...(m.images ?? []).map((i) => ({ type: 'image', source: { type: 'base64', media_type: i.mime, data: i.data } })),
          { type: 'text', text: m.content },
        ])
        break
      case 'assistant': {
        const blocks: Block[] = []
        if (m.thinking && m.thinkingSignature) blocks.push({ type: 'thinking', thinking: m.thinking, signature: m.thinkingSignature })
        if (m.content) blocks.push({ type: 'text', text: m.content })
        for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: names.toVendor(c.name), input: c.args })
        push('assistant', blocks)
        break
      }
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, ...(m.isError ? { is_error: true } : {}) }])
        break
    }
  }
  return { system: system.join('\n\n'), messages: turns }
}
