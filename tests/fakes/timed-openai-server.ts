/**
 * A minimal OpenAI-compatible chat stand-in for latency measurements: every streamed content
 * delta is `@<wall-clock ms>` (padded to `size`), stamped at the moment it is written, so a
 * receiver on the same machine subtracts it to get the path's latency. The last user message
 * scripts the answer: `chunks=N interval=MS size=BYTES`.
 */
export const wallMs = () => performance.timeOrigin + performance.now()

const enc = new TextEncoder()

export function parseScript(text: string): { chunks: number; interval: number; size: number } {
  const num = (k: string, d: number) => Number(new RegExp(`${k}=(\\d+)`).exec(text)?.[1] ?? d)
  return { chunks: num('chunks', 20), interval: num('interval', 2), size: num('size', 24) }
}

export function startTimedOpenAIFake() {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url)
      if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') return new Response('no', { status: 404 })
      const body = (await req.json()) as { stream?: boolean; model?: string; messages: { role: string; content: string }[] }
      const last = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
      const s = parseScript(typeof last === 'string' ? last : '')
      const base = { id: 'chatcmpl-timed', object: 'chat.completion.chunk', created: 0, model: body.model ?? 'timed' }
      if (!body.stream) {
        return Response.json({
          id: 'chatcmpl-timed',
          object: 'chat.completion',
          created: 0,
          model: body.model ?? 'timed',
          choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        })
      }
      const frame = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(c) {
            c.enqueue(enc.encode(frame({ role: 'assistant', content: '' })))
            for (let i = 0; i < s.chunks; i++) {
              if (s.interval) await Bun.sleep(s.interval)
              const stamp = `@${wallMs().toFixed(3)}`
              c.enqueue(enc.encode(frame({ content: stamp.padEnd(s.size, '.') })))
            }
            c.enqueue(enc.encode(frame({}, 'stop')))
            c.enqueue(enc.encode('data: [DONE]\n\n'))
            c.close()
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      )
    },
  })
}
