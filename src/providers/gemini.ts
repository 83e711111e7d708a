import type { Adapter, AdapterConfig } from './adapter'
import { cachedGeminiTools, ToolNameMap } from './tool-schema'
import type { ChatEvent, ChatMessage, ChatRequest, Usage } from './types'

/**
 * The `gemini` kind (@google/genai, Gemini API). Function calls arrive whole; `thought` parts are
 * thinking; inline image data parts become image events; a call's `thoughtSignature` is carried
 * out as the tool-call `signature` and sent back with it on the next hop.
 */
export async function createGeminiAdapter(cfg: AdapterConfig): Promise<Adapter> {
  const { GoogleGenAI } = await import('@google/genai')
  const ai = new GoogleGenAI({
    apiKey: cfg.api_key ?? '',
    httpOptions: { ...(cfg.base_url ? { baseUrl: cfg.base_url } : {}), timeout: cfg.timeout_ms, retryOptions: { attempts: 1 } } as never,
  })

  return {
    async *stream(req: ChatRequest): AsyncIterable<ChatEvent> {
      const names = new ToolNameMap(req.tools?.map((t) => t.name))
      const p = { temperature: cfg.temperature, top_p: cfg.top_p, max_tokens: cfg.max_tokens, thinking_tokens: cfg.thinking_tokens, ...req.params }
      const { system, contents } = toGeminiContents(req.messages, names)
      const config: Record<string, unknown> = { abortSignal: req.signal }
      if (system) config.systemInstruction = system
      if (req.tools?.length) config.tools = [{ functionDeclarations: cachedGeminiTools(req.tools, names) }]
      if (p.temperature !== undefined) config.temperature = p.temperature
      if (p.top_p !== undefined) config.topP = p.top_p
      if (p.max_tokens !== undefined) config.maxOutputTokens = p.max_tokens
      if (p.thinking_tokens && p.thinking_tokens > 0) config.thinkingConfig = { includeThoughts: true, thinkingBudget: p.thinking_tokens }
      if (req.json) config.responseMimeType = 'application/json'
      const stream = await ai.models.generateContentStream({ model: req.model, contents, config } as never)
      yield* readStream(stream as unknown as AsyncIterable<RawResponse>, names)
    },

    async image(req) {
      const res = (await ai.models.generateContent({
        model: req.model ?? cfg.image_model ?? 'gemini-2.5-flash-image',
        contents: [{ role: 'user', parts: [{ text: req.prompt }] }],
        config: { abortSignal: req.signal, responseModalities: ['TEXT', 'IMAGE'] },
      } as never)) as unknown as RawResponse
      for (const part of res.candidates?.[0]?.content?.parts ?? []) {
        if (part.inlineData?.data) return { mime: part.inlineData.mimeType ?? 'image/png', data: part.inlineData.data }
      }
      throw new Error('the model returned no image')
    },

    async embed(req) {
      // The SDK sends a list of contents as one `:batchEmbedContents` call on the Gemini API.
      const res = (await ai.models.embedContent({
        model: req.model,
        contents: req.input.map((text) => ({ role: 'user', parts: [{ text }] })),
        config: { abortSignal: req.signal },
      } as never)) as unknown as { embeddings?: { values?: number[] }[] }
      const vectors = (res.embeddings ?? []).map((e) => e.values ?? [])
      if (vectors.length !== req.input.length || vectors.some((v) => v.length === 0)) {
        throw new Error(`the embeddings API returned ${vectors.length} vectors for ${req.input.length} inputs`)
      }
      return { vectors }
    },
  }
}

type RawPart = {
  text?: string
  thought?: boolean
  thoughtSignature?: string
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> }
  inlineData?: { mimeType?: string; data?: string }
}
type RawResponse = {
  candidates?: { content?: { parts?: RawPart[] }; finishReason?: string }[]
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number; totalTokenCount?: number }
}

async function* readStream(stream: AsyncIterable<RawResponse>, names: ToolNameMap): AsyncIterable<ChatEvent> {
  let usage: Usage | undefined
  let finish: string | undefined
  let calls = 0
  for await (const res of stream) {
    const u = res.usageMetadata
    if (u) {
      const prompt = u.promptTokenCount ?? 0
      const completion = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0)
      usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokenCount ?? prompt + completion }
    }
    const cand = res.candidates?.[0]
    if (cand?.finishReason) finish = cand.finishReason
    for (const part of cand?.content?.parts ?? []) {
      if (part.functionCall) {
        const fc = part.functionCall
        const event: ChatEvent = {
          kind: 'tool-call',
          id: fc.id ?? `call_${calls}`,
          name: names.fromVendor(fc.name ?? ''),
          args: fc.args && typeof fc.args === 'object' ? fc.args : {},
        }
        if (part.thoughtSignature) event.signature = part.thoughtSignature
        calls++
        yield event
      } else if (part.inlineData?.data) {
        yield { kind: 'image', mime: part.inlineData.mimeType ?? 'image/png', data: part.inlineData.data }
      } else if (part.text) {
        yield part.thought ? { kind: 'thinking', delta: part.text } : { kind: 'text', delta: part.text }
      }
    }
  }
  const stop = calls > 0 ? 'tool_calls' : !finish || finish === 'STOP' ? 'end' : finish === 'MAX_TOKENS' ? 'length' : 'other'
  yield { kind: 'done', usage, stop }
}

type Content = { role: 'user' | 'model'; parts: Record<string, unknown>[] }

function toGeminiContents(messages: ChatMessage[], names: ToolNameMap): { system: string; contents: Content[] } {
  const system: string[] = []
  const contents: Content[] = []
  const push = (role: Content['role'], parts: Record<string, unknown>[]) => {
    if (parts.length === 0) return
    const last = contents[contents.length - 1]
    if (last?.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        system.push(m.content)
        break
      case 'user':
        push('user', [{ text: m.content }, ...(m.images ?? []).map((i) => ({ inlineData: { mimeType: i.mime, data: i.data } }))])
        break
      case 'assistant':
        push('model', [
          ...(m.content ? [{ text: m.content }] : []),
          ...(m.toolCalls ?? []).map((c) => ({
            functionCall: { id: c.id, name: names.toVendor(c.name), args: c.args },
            ...(c.signature ? { thoughtSignature: c.signature } : {}),
          })),
        ])
        break
      case 'tool':
        push('user', [
          { functionResponse: { id: m.toolCallId, name: names.toVendor(m.name), response: m.isError ? { error: m.content } : { result: m.content } } },
        ])
        break
    }
  }
  return { system: system.join('\n\n'), contents }
}
