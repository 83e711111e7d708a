/**
 * The shared half of the provider stand-ins: a loopback Bun.serve on port 0, a queue of scripted
 * turns (one per model request, so a multi-hop tool loop can be scripted), and a record of every
 * request body so tests can assert what an adapter actually sent.
 */
export type FakeToolCall = {
  id?: string
  name: string
  /** An object is sent as JSON; a string is sent verbatim (to script malformed arguments). */
  args: Record<string, unknown> | string
}

export type FakeUsage = { input: number; output: number; thinking?: number }

export type FailMode =
  /** HTTP 500 with the vendor's error JSON. */
  | 'http500'
  /** HTTP 429 with the vendor's error JSON and `retry-after: 0`. */
  | 'http429'
  /** Streams the turn's chunks, then resets the connection without the end-of-stream marker. */
  | 'drop'
  /** Never answers (no headers): for first-token timeouts. */
  | 'hang'
  /** Streams the turn's chunks, then goes silent forever with the connection open. */
  | 'stall'
  /** Streams the turn's chunks, then a `data:` line that is not JSON. */
  | 'garbage'

export type Turn = {
  text?: string[]
  thinking?: string[]
  toolCalls?: FakeToolCall[]
  images?: { mime: string; data: string }[]
  usage?: FakeUsage
  fail?: FailMode
  /** Pause before each streamed frame (ms). */
  delayMs?: number
  /** OpenAI-compatible servers name the reasoning delta differently (DeepSeek/llama.cpp vs OpenRouter). */
  reasoningField?: 'reasoning_content' | 'reasoning'
  /** Stop reason override, e.g. 'length'. */
  stop?: string
}

export type Recorded = {
  method: string
  path: string
  search: string
  headers: Record<string, string>
  body: any
  /** Set when the client closed the connection before the response finished. */
  aborted: boolean
}

type Route = (ctx: { req: Request; url: URL; body: any; turn: Turn; rec: Recorded }) => Response | Promise<Response> | null

const enc = new TextEncoder()

export class FakeServer {
  readonly requests: Recorded[] = []
  /** Used when the queue is empty. */
  defaultTurn: Turn = { text: ['ok'], usage: { input: 3, output: 1 } }
  private turns: Turn[] = []
  private server: ReturnType<typeof Bun.serve>

  constructor(private route: Route) {
    this.server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: 0,
      fetch: (req) => this.handle(req),
    })
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`
  }

  /** Scripts the next requests, in order. */
  queue(...turns: Turn[]): this {
    this.turns.push(...turns)
    return this
  }

  reset(): void {
    this.turns = []
    this.requests.length = 0
  }

  /** Bodies of requests to paths containing `fragment`. */
  bodies(fragment = ''): any[] {
    return this.requests.filter((r) => r.path.includes(fragment)).map((r) => r.body)
  }

  async stop(): Promise<void> {
    await this.server.stop(true)
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    const text = req.method === 'GET' ? '' : await req.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      // kept as text: tests may assert that a body was not JSON
    }
    const rec: Recorded = {
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(req.headers),
      body,
      aborted: false,
    }
    this.requests.push(rec)
    req.signal.addEventListener('abort', () => (rec.aborted = true))
    const turn = this.turns.shift() ?? this.defaultTurn
    if (turn.fail === 'hang') {
      return new Promise((resolve) => req.signal.addEventListener('abort', () => resolve(new Response(null, { status: 499 }))))
    }
    const res = await this.route({ req, url, body, turn, rec })
    return res ?? Response.json({ error: { message: `no route ${req.method} ${url.pathname}` } }, { status: 404 })
  }
}

/**
 * Streams SSE frames (already formatted, each ending in a blank line), honouring the turn's
 * delay and its drop/stall/garbage failure after the frames.
 */
export function sseResponse(frames: string[], turn: Turn, rec: Recorded, garbage = 'data: {this is not json\n\n'): Response {
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    async start(c) {
      for (const frame of frames) {
        if (turn.delayMs) await Bun.sleep(turn.delayMs)
        if (cancelled) return
        c.enqueue(enc.encode(frame))
      }
      if (turn.fail === 'drop') {
        await Bun.sleep(5)
        // No error value: Bun then resets the connection without printing a stack for it.
        c.error(undefined)
        return
      }
      if (turn.fail === 'garbage') c.enqueue(enc.encode(garbage))
      if (turn.fail === 'stall') return // never closes; the client's abort ends it
      c.close()
    },
    cancel() {
      cancelled = true
      rec.aborted = true
    },
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
}

/** Splits a string into `n` roughly equal pieces (tool arguments arrive in several deltas). */
export function pieces(s: string, n = 3): string[] {
  if (s.length <= 1) return [s]
  const size = Math.ceil(s.length / n)
  const out: string[] = []
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size))
  return out
}

export function argsText(args: FakeToolCall['args']): string {
  return typeof args === 'string' ? args : JSON.stringify(args)
}

/**
 * A small deterministic embedding of a text (the stand-ins' `/embeddings`): equal texts give equal
 * vectors, different texts almost always differ, so tests can check order and identity.
 */
export function fakeEmbedding(text: string, dims = 4): number[] {
  const out = new Array<number>(dims).fill(0)
  for (let i = 0; i < text.length; i++) out[i % dims]! += text.charCodeAt(i) / 1000
  return out.map((v) => Math.round(v * 1e6) / 1e6)
}
