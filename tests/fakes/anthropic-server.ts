import { argsText, FakeServer, pieces, sseResponse, type Turn } from './fake-server'

export type { Turn } from './fake-server'

/**
 * A stand-in for the Anthropic Messages API: `/v1/messages`, streaming with the `event:` lines the
 * SDK requires (message_start, content_block_start/delta/stop, message_delta, message_stop) and
 * not. Reach it with `baseURL: fake.url` (no `/v1`).
 */
export function startAnthropicFake(): FakeServer {
  return new FakeServer(({ req, url, body, turn, rec }) => {
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') return null
    if (turn.fail === 'http500' || turn.fail === 'http429') return errorResponse(turn)
    const model = body?.model ?? 'claude-fake'
    if (body?.stream) return sseResponse(streamFrames(turn, model), turn, rec, 'event: content_block_delta\ndata: {this is not json\n\n')
    return Response.json(message(turn, model))
  })
}

function errorResponse(turn: Turn): Response {
  const is429 = turn.fail === 'http429'
  return Response.json(
    {
      type: 'error',
      error: is429
        ? { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit (scripted)' }
        : { type: 'api_error', message: 'Internal server error (scripted)' },
    },
    { status: is429 ? 429 : 500, headers: is429 ? { 'retry-after': '0' } : {} },
  )
}

const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

function stopOf(turn: Turn): string {
  return turn.stop ?? (turn.toolCalls?.length ? 'tool_use' : 'end_turn')
}

function streamFrames(turn: Turn, model: string): string[] {
  const usage = turn.usage ?? { input: 0, output: 0 }
  const frames = [
    ev('message_start', {
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: 1 },
      },
    }),
    ev('ping', {}),
  ]
  let index = 0
  if (turn.thinking?.length) {
    frames.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }))
    for (const t of turn.thinking) frames.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: t } }))
    frames.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig-fake' } }))
    frames.push(ev('content_block_stop', { index }))
    index++
  }
  if (turn.text?.length) {
    frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }))
    for (const t of turn.text) frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: t } }))
    if (turn.fail) return frames
    frames.push(ev('content_block_stop', { index }))
    index++
  }
  for (const [i, call] of (turn.toolCalls ?? []).entries()) {
    const id = call.id ?? `toolu_${i}`
    frames.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id, name: call.name, input: {} } }))
    for (const part of pieces(argsText(call.args))) {
      frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }))
    }
    frames.push(ev('content_block_stop', { index }))
    index++
  }
  if (turn.fail) return frames
  frames.push(ev('message_delta', { delta: { stop_reason: stopOf(turn), stop_sequence: null }, usage: { output_tokens: usage.output } }))
  frames.push(ev('message_stop', {}))
  return frames
}

function message(turn: Turn, model: string) {
  const usage = turn.usage ?? { input: 0, output: 0 }
  const content: unknown[] = []
  if (turn.thinking?.length) content.push({ type: 'thinking', thinking: turn.thinking.join(''), signature: 'sig-fake' })
  if (turn.text?.length) content.push({ type: 'text', text: turn.text.join('') })
  for (const [i, call] of (turn.toolCalls ?? []).entries()) {
    content.push({ type: 'tool_use', id: call.id ?? `toolu_${i}`, name: call.name, input: typeof call.args === 'string' ? {} : call.args })
  }
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopOf(turn),
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  }
}
