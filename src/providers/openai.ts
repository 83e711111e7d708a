import { parseDataUrl, sdkLogger, type Adapter, type AdapterConfig } from './adapter'
import { parseArgs } from './tool-args'
import { cachedOpenaiToolsJson, ToolNameMap } from './tool-schema'
import type { ChatEvent, ChatMessage, ChatRequest, Usage } from './types'

/**
 * The `openai` kind: OpenAI itself and every OpenAI-compatible server (OpenRouter, Groq, Ollama,
 * llama.cpp, LM Studio, vLLM) through `base_url`. The SDK is imported only when such a provider is
 * first used. Its retries are off: the provider wrapper retries, and only before the first event.
 */
export async function createOpenAIAdapter(cfg: AdapterConfig): Promise<Adapter> {
  const { default: OpenAI } = await import('openai')
  const official = !cfg.base_url || /api\.openai\.com/.test(cfg.base_url)
  const client = new OpenAI({
    // Local servers need no key, but the SDK refuses an empty one.
    apiKey: cfg.api_key || 'not-needed',
    baseURL: cfg.base_url ?? 'https://api.openai.com/v1',
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: cfg.timeout_ms,
    logger: sdkLogger(cfg.log),
    logLevel: 'warn',
  })

  return {
    async *stream(req: ChatRequest): AsyncIterable<ChatEvent> {
      const names = new ToolNameMap(req.tools?.map((t) => t.name))
      const p = { temperature: cfg.temperature, top_p: cfg.top_p, max_tokens: cfg.max_tokens, ...req.params }
      const body: Record<string, unknown> = {
        model: req.model,
        messages: toOpenAIMessages(req.messages, names),
        stream: true,
        stream_options: { include_usage: true },
      }
      if (p.temperature !== undefined) body.temperature = p.temperature
      if (p.top_p !== undefined) body.top_p = p.top_p
      // OpenAI's newer models refuse `max_tokens`; compatible servers mostly know only that one.
      if (p.max_tokens !== undefined) body[official ? 'max_completion_tokens' : 'max_tokens'] = p.max_tokens
      if (req.json) body.response_format = { type: 'json_object' }
      // The body is ours, typed by our union; serialised here so the tool list (the same until the
      // registry changes, ~4 kB for the built-ins) is spliced in as cached JSON text. The SDK sends a
      // string body with a content-type as it is. Through the SDK's own `post` (same auth, headers,
      // SSE decoder and errors as `chat.completions.create`), without the resource wrapper, which
      // re-copies every chunk in one more async generator to default `finish_reason` to null;
      // readStream reads a missing finish_reason the same way.
      let text = JSON.stringify(body)
      if (req.tools?.length) text = `${text.slice(0, -1)},"tools":${cachedOpenaiToolsJson(req.tools, names)}}`
      const stream = await client.post<AsyncIterable<RawChunk>>('/chat/completions', {
        body: text,
        headers: { 'content-type': 'application/json' },
        stream: true,
        signal: req.signal,
      })
      yield* readStream(stream, names)
    },

    async image(req) {
      const res = await client.images.generate(
        { model: req.model ?? cfg.image_model ?? 'gpt-image-1', prompt: req.prompt, n: 1, ...(req.size ? { size: req.size as never } : {}) },
        { signal: req.signal },
      )
      const first = res.data?.[0]
      if (first?.b64_json) return { mime: 'image/png', data: first.b64_json }
      if (first?.url) {
        const img = await fetch(first.url, { signal: req.signal })
        return { mime: img.headers.get('content-type') ?? 'image/png', data: Buffer.from(await img.arrayBuffer()).toString('base64') }
      }
      throw new Error('the images API returned no image')
    },

    async embed(req) {
      const res = await client.embeddings.create({ model: req.model, input: req.input, encoding_format: 'float' }, { signal: req.signal })
      // The API may answer out of order; `index` is the position of the input.
      const vectors: number[][] = []
      for (const d of res.data ?? []) vectors[d.index] = d.embedding
      if (vectors.length !== req.input.length || req.input.some((_, i) => !Array.isArray(vectors[i]))) {
        throw new Error(`the embeddings API returned ${res.data?.length ?? 0} vectors for ${req.input.length} inputs`)
      }
      const u = res.usage
      return { vectors, ...(u ? { usage: { prompt_tokens: u.prompt_tokens ?? 0, total_tokens: u.total_tokens ?? u.prompt_tokens ?? 0 } } : {}) }
    },
  }
}

/** The subset of a chat.completion.chunk this adapter reads (kept loose: compatible servers vary). */
type RawChunk = {
  choices?: {
    delta?: {
      content?: string | null
      reasoning_content?: string | null
      reasoning?: string | null
      tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[]
      images?: { image_url?: { url?: string } }[]
    }
    finish_reason?: string | null
  }[]
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null
}

async function* readStream(stream: AsyncIterable<RawChunk>, names: ToolNameMap): AsyncIterable<ChatEvent> {
  const calls = new Map<number, { id: string; name: string; args: string }>()
  let usage: Usage | undefined
  let finish: string | null | undefined
  for await (const chunk of stream) {
    if (chunk.usage) usage = toUsage(chunk.usage)
    const choice = chunk.choices?.[0]
    if (!choice) continue
    const d = choice.delta ?? {}
    const thinking = d.reasoning_content ?? d.reasoning
    if (thinking) yield { kind: 'thinking', delta: thinking }
    if (d.content) yield { kind: 'text', delta: d.content }
    for (const img of d.images ?? []) {
      const parsed = img.image_url?.url ? parseDataUrl(img.image_url.url) : null
      if (parsed) yield { kind: 'image', ...parsed }
    }
    for (const tc of d.tool_calls ?? []) {
      const index = tc.index ?? calls.size
      const call = calls.get(index) ?? { id: '', name: '', args: '' }
      if (tc.id) call.id = tc.id
      if (tc.function?.name) call.name += tc.function.name
      if (tc.function?.arguments) call.args += tc.function.arguments
      calls.set(index, call)
    }
    if (choice.finish_reason) finish = choice.finish_reason
  }
  for (const [index, call] of [...calls].sort((a, b) => a[0] - b[0])) {
    yield { kind: 'tool-call', id: call.id || `call_${index}`, name: names.fromVendor(call.name), args: parseArgs(call.name, call.args) }
  }
  yield { kind: 'done', usage, stop: stopOf(finish, calls.size > 0) }
}

function toUsage(u: NonNullable<RawChunk['usage']>): Usage {
  const prompt = u.prompt_tokens ?? 0
  const completion = u.completion_tokens ?? 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.total_tokens ?? prompt + completion }
}

function stopOf(finish: string | null | undefined, hadCalls: boolean): 'end' | 'tool_calls' | 'length' | 'other' {
  if (finish === 'tool_calls' || finish === 'function_call' || (hadCalls && finish === 'stop')) return 'tool_calls'
  if (finish === 'stop' || finish == null) return hadCalls ? 'tool_calls' : 'end'
  if (finish === 'length') return 'length'
  return 'other'
}

function toOpenAIMessages(messages: ChatMessage[], names: ToolNameMap): Record<string, unknown>[] {
  return messages.map((m) => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content }
      case 'user':
        if (!m.images?.length) return { role: 'user', content: m.content }
        return {
          role: 'user',
          content: [
            { type: 'text', text: m.content },
            ...m.images.map((i) => ({ type: 'image_url', image_url: { url: `data:${i.mime};base64,${i.data}` } })),
          ],
        }
      case 'assistant':
        if (!m.toolCalls?.length) return { role: 'assistant', content: m.content }
        return {
          role: 'assistant',
          content: m.content || null,
          tool_calls: m.toolCalls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: names.toVendor(c.name), arguments: JSON.stringify(c.args) },
          })),
        }
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content }
    }
  })
}
