/** The part of Bun's ServerWebSocket the fan-out needs (tests and the compat layer pass the real one). */
export interface ChatSocket {
  send(data: string): number
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  getBufferedAmount(): number
  close(code?: number, reason?: string): void
}

/** `server.publish`: one native call that writes the same bytes to every subscriber. */
export type Publish = (topic: string, data: string) => number

export const conversationTopic = (id: string) => `conv:${id}`
export const eventTopic = (name: string) => `evt:${name}`

/** 1013 "try again later": the client fell behind; it may reconnect and read history. */
export const SLOW_CLIENT_CLOSE = 1013

/**
 * Every frame is serialized once and handed to Bun's native pub/sub, which writes it to each
 * subscribed socket in publish order: nothing is buffered here, so nothing can be duplicated or
 * reordered. The topic sets kept alongside only answer "who is listening" and let a client whose
 * send buffer grew past `maxBufferedBytes` be closed instead of holding memory for ever; the
 * others are not slowed, because publishing never waits for any socket.
 */
export class Fanout {
  private topics = new Map<string, Set<ChatSocket>>()
  private joined = new Map<ChatSocket, Set<string>>()
  private publishFn: Publish | null = null
  slowClosed = 0
  framesSent = 0
  /** How long the last publishes to more than one socket took (ms), for the stats page. */
  private publishMs = new Float64Array(256)
  private publishN = 0

  constructor(private opts: { maxBufferedBytes: number; onSlow?: (sock: ChatSocket) => void }) {}

  /** Set by the WebSocket layer once the server exists. */
  attach(publish: Publish): void {
    this.publishFn = publish
  }

  get connections(): number {
    return this.joined.size
  }

  add(sock: ChatSocket): void {
    if (!this.joined.has(sock)) this.joined.set(sock, new Set())
  }

  join(sock: ChatSocket, topic: string): void {
    const mine = this.joined.get(sock)
    if (!mine || mine.has(topic)) return
    mine.add(topic)
    let set = this.topics.get(topic)
    if (!set) this.topics.set(topic, (set = new Set()))
    set.add(sock)
    sock.subscribe(topic)
  }

  leave(sock: ChatSocket, topic: string): void {
    const mine = this.joined.get(sock)
    if (!mine?.delete(topic)) return
    this.forget(sock, topic)
    try {
      sock.unsubscribe(topic)
    } catch {
      // already closed: Bun dropped its subscriptions itself
    }
  }

  /** A socket closed: returns the topics it was in, so the caller can see who is left. */
  remove(sock: ChatSocket): string[] {
    const mine = this.joined.get(sock)
    if (!mine) return []
    this.joined.delete(sock)
    for (const topic of mine) this.forget(sock, topic)
    return [...mine]
  }

  listeners(topic: string): number {
    return this.topics.get(topic)?.size ?? 0
  }

  publish(topic: string, frame: unknown): void {
    const set = this.topics.get(topic)
    if (!set || set.size === 0) return
    const start = set.size > 1 ? performance.now() : 0
    const data = JSON.stringify(frame)
    this.framesSent++
    if (this.publishFn) this.publishFn(topic, data)
    else for (const s of set) s.send(data)
    for (const s of set) if (s.getBufferedAmount() > this.opts.maxBufferedBytes) this.cut(s)
    if (start) this.publishMs[this.publishN++ % this.publishMs.length] = performance.now() - start
  }

  /** p50/p99 of the recent multi-socket publishes: serialize, hand to every socket, check buffers. */
  publishTimes(): { p50_ms: number; p99_ms: number; samples: number } {
    const n = Math.min(this.publishN, this.publishMs.length)
    if (n === 0) return { p50_ms: 0, p99_ms: 0, samples: 0 }
    const sorted = Array.from(this.publishMs.subarray(0, n)).sort((a, b) => a - b)
    const at = (p: number) => Math.round(sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]! * 1000) / 1000
    return { p50_ms: at(0.5), p99_ms: at(0.99), samples: n }
  }

  /** A reply to one socket only (history, pong, errors about its own frame). */
  send(sock: ChatSocket, frame: unknown): void {
    if (!this.joined.has(sock)) return
    sock.send(JSON.stringify(frame))
    if (sock.getBufferedAmount() > this.opts.maxBufferedBytes) this.cut(sock)
  }

  private cut(sock: ChatSocket): void {
    const topics = this.remove(sock)
    for (const t of topics) {
      try {
        sock.unsubscribe(t)
      } catch {
        // closing anyway
      }
    }
    this.slowClosed++
    this.opts.onSlow?.(sock)
    sock.close(SLOW_CLIENT_CLOSE, 'client too slow: send buffer over limit')
  }

  private forget(sock: ChatSocket, topic: string): void {
    const set = this.topics.get(topic)
    if (!set) return
    set.delete(sock)
    if (set.size === 0) this.topics.delete(topic)
  }
}
