import { FakeServer, fakeEmbedding, sseResponse, type Turn } from './fake-server'

export type { Turn } from './fake-server'

/**
 * A stand-in for the Gemini API: `/{v1,v1beta}/models/{m}:streamGenerateContent?alt=sse` (`data:`
 * lines of GenerateContentResponse; the stream simply ends), `:generateContent`, and `:embedContent` /
 * `:batchEmbedContents` (vectors from `fakeEmbedding`). Reach it with
 * `httpOptions: { baseUrl: fake.url }`. Function calls arrive whole, as Gemini sends them.
 */
export function startGeminiFake(): FakeServer {
  return new FakeServer(({ req, url, body, turn, rec }) => {
    const m = /^\/(v1|v1beta|v1alpha)\/models\/([^:]+):(streamGenerateContent|generateContent|embedContent|batchEmbedContents)$/.exec(url.pathname)
    if (req.method !== 'POST' || !m) return null
    if (turn.fail === 'http500' || turn.fail === 'http429') return errorResponse(turn)
    const model = decodeURIComponent(m[2]!)
    if (m[3] === 'embedContent') return Response.json({ embedding: { values: fakeEmbedding(textOf(body?.content)) } })
    if (m[3] === 'batchEmbedContents') {
      const requests: any[] = Array.isArray(body?.requests) ? body.requests : []
      if (requests.length === 0) return Response.json({ error: { code: 400, message: 'requests must not be empty', status: 'INVALID_ARGUMENT' } }, { status: 400 })
      return Response.json({ embeddings: requests.map((r) => ({ values: fakeEmbedding(textOf(r?.content)) })) })
    }
    if (m[3] === 'streamGenerateContent') return sseResponse(streamFrames(turn, model), turn, rec)
    return Response.json(whole(turn, model))
  })
}

function errorResponse(turn: Turn): Response {
  const is429 = turn.fail === 'http429'
  return Response.json(
    {
      error: is429
        ? { code: 429, message: 'Resource has been exhausted (scripted)', status: 'RESOURCE_EXHAUSTED' }
        : { code: 500, message: 'An internal error has occurred (scripted)', status: 'INTERNAL' },
    },
    { status: is429 ? 429 : 500 },
  )
}

function usageOf(turn: Turn) {
  const u = turn.usage ?? { input: 0, output: 0 }
  return {
    promptTokenCount: u.input,
    candidatesTokenCount: u.output,
    totalTokenCount: u.input + u.output + (u.thinking ?? 0),
    ...(u.thinking ? { thoughtsTokenCount: u.thinking } : {}),
  }
}

const finishOf = (turn: Turn) => turn.stop ?? 'STOP'

function partsOf(turn: Turn): Record<string, unknown>[][] {
  const groups: Record<string, unknown>[][] = []
  for (const t of turn.thinking ?? []) groups.push([{ text: t, thought: true }])
  for (const t of turn.text ?? []) groups.push([{ text: t }])
  for (const img of turn.images ?? []) groups.push([{ inlineData: { mimeType: img.mime, data: img.data } }])
  const calls = (turn.toolCalls ?? []).map((c) => ({
    functionCall: { ...(c.id ? { id: c.id } : {}), name: c.name, args: typeof c.args === 'string' ? c.args : c.args },
  }))
  // Parallel calls come as several parts of one chunk.
  if (calls.length) groups.push(calls)
  return groups
}

function streamFrames(turn: Turn, model: string): string[] {
  const frame = (parts: Record<string, unknown>[], last: boolean) =>
    `data: ${JSON.stringify({
      candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last ? { finishReason: finishOf(turn) } : {}) }],
      ...(last ? { usageMetadata: usageOf(turn) } : {}),
      modelVersion: model,
      responseId: 'resp-fake',
    })}\r\n\r\n`
  const groups = partsOf(turn)
  if (turn.fail) return groups.map((g) => frame(g, false))
  if (groups.length === 0) groups.push([{ text: '' }])
  return groups.map((g, i) => frame(g, i === groups.length - 1))
}

function whole(turn: Turn, model: string) {
  return {
    candidates: [{ content: { parts: partsOf(turn).flat(), role: 'model' }, index: 0, finishReason: finishOf(turn) }],
    usageMetadata: usageOf(turn),
    modelVersion: model,
    responseId: 'resp-fake',
  }
}

function textOf(content: any): string {
  return (Array.isArray(content?.parts) ? content.parts : []).map((p: any) => (typeof p?.text === 'string' ? p.text : '')).join('')
}
