import { argsText, FakeServer, fakeEmbedding, pieces, sseResponse, type Turn } from './fake-server'

export type { Turn } from './fake-server'

/**
 * A stand-in for the OpenAI API (and every OpenAI-compatible server): `/v1/chat/completions`
 * streaming (`data:` chunks, `data: [DONE]`) and not, `/v1/images/generations`, `/v1/models`,
 * `/v1/embeddings` (float or base64, as asked; vectors from `fakeEmbedding`).
 * Reach it with `baseURL: fake.url + '/v1'`.
 */
export function startOpenAIFake(opts: { models?: string[] } = {}): FakeServer {
  return new FakeServer(({ req, url, body, turn, rec }) => {
    if (turn.fail === 'http500' || turn.fail === 'http429') return errorResponse(turn)
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      const ids = opts.models ?? ['fake-model']
      return Response.json({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) })
    }
    if (req.method === 'POST' && url.pathname === '/v1/images/generations') {
      const img = turn.images?.[0] ?? { mime: 'image/png', data: TINY_PNG }
      return Response.json({ created: now(), data: [{ b64_json: img.data, revised_prompt: body?.prompt }] })
    }
    if (req.method === 'POST' && url.pathname === '/v1/embeddings') return embeddings(body)
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions') {
      const model = body?.model ?? 'fake-model'
      if (body?.stream) return sseResponse(streamFrames(turn, model, !!body?.stream_options?.include_usage), turn, rec)
      return Response.json(completion(turn, model))
    }
    return null
  })
}

/** A 1×1 transparent PNG. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

const now = () => Math.floor(Date.now() / 1000)

function errorResponse(turn: Turn): Response {
  const is429 = turn.fail === 'http429'
  return Response.json(
    {
      error: is429
        ? { message: 'Rate limit reached (scripted)', type: 'requests', param: null, code: 'rate_limit_exceeded' }
        : { message: 'The server had an error while processing your request (scripted)', type: 'server_error', param: null, code: null },
    },
    { status: is429 ? 429 : 500, headers: is429 ? { 'retry-after': '0' } : {} },
  )
}

function usageOf(turn: Turn) {
  const u = turn.usage ?? { input: 0, output: 0 }
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    ...(u.thinking ? { completion_tokens_details: { reasoning_tokens: u.thinking } } : {}),
  }
}

function finishOf(turn: Turn): string {
  return turn.stop ?? (turn.toolCalls?.length ? 'tool_calls' : 'stop')
}

function streamFrames(turn: Turn, model: string, includeUsage: boolean): string[] {
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: now(), model, system_fingerprint: null }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`
  // The SDK's stream helpers need `role` on the first delta.
  const frames = [chunk({ role: 'assistant', content: '' })]
  const field = turn.reasoningField ?? 'reasoning_content'
  for (const t of turn.thinking ?? []) frames.push(chunk({ [field]: t }))
  for (const t of turn.text ?? []) frames.push(chunk({ content: t }))
  for (const img of turn.images ?? []) {
    frames.push(chunk({ images: [{ type: 'image_url', image_url: { url: `data:${img.mime};base64,${img.data}` } }] }))
  }
  ;(turn.toolCalls ?? []).forEach((call, index) => {
    const id = call.id ?? `call_${index}`
    // The first delta of a call carries id, type and name; the arguments follow in pieces.
    frames.push(chunk({ tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    for (const part of pieces(argsText(call.args))) frames.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }))
  })
  if (turn.fail) return frames
  frames.push(chunk({}, finishOf(turn)))
  if (includeUsage) frames.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usageOf(turn) })}\n\n`)
  frames.push('data: [DONE]\n\n')
  return frames
}

function completion(turn: Turn, model: string) {
  const toolCalls = (turn.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}`,
    type: 'function',
    function: { name: c.name, arguments: argsText(c.args) },
  }))
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: now(),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: (turn.text ?? []).join('') || null,
          refusal: null,
          ...(turn.thinking ? { reasoning_content: turn.thinking.join('') } : {}),
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishOf(turn),
      },
    ],
    usage: usageOf(turn),
  }
}

/** The real wire format: `data[].embedding` as floats, or base64 of little-endian float32s. */
function embeddings(body: any): Response {
  const inputs: unknown[] = Array.isArray(body?.input) ? body.input : [body?.input]
  if (!body?.model || inputs.length === 0 || inputs.some((i) => typeof i !== 'string' || i === '')) {
    return Response.json(
      { error: { message: "'input' must be a non-empty string or array of strings", type: 'invalid_request_error', param: 'input', code: null } },
      { status: 400 },
    )
  }
  const base64 = body.encoding_format === 'base64'
  const tokens = inputs.reduce<number>((n, i) => n + Math.ceil((i as string).length / 4), 0)
  return Response.json({
    object: 'list',
    data: inputs.map((text, index) => {
      const vec = fakeEmbedding(text as string)
      return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec }
    }),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}
