import { RateLimited } from '../core/errors'
import type { HearthConfig } from '../core/config'
import type { Limits, Principal, Release } from './types'

type Bucket = { tokens: number; at: number }

/** Beyond this many keys the idlest are dropped, whatever the traffic: memory stays bounded. */
const MAX_KEYS = 10_000

/**
 * A token bucket per key, refilled continuously: `perMinute` requests in a burst, then one every
 * 60/perMinute seconds. A full bucket carries no information, so idle keys are evicted.
 */
export class RateBuckets {
  private buckets = new Map<string, Bucket>()

  constructor(private now: () => number = Date.now) {}

  /** Takes one token or throws `RateLimited` with the seconds until one is back. */
  take(key: string, perMinute: number, what: string): void {
    const now = this.now()
    const rate = perMinute / 60_000
    let b = this.buckets.get(key)
    if (b) {
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate)
      b.at = now
      // Re-inserting keeps the Map in least-recently-used order for eviction.
      this.buckets.delete(key)
    } else {
      b = { tokens: perMinute, at: now }
      if (this.buckets.size >= MAX_KEYS) this.evict(now)
    }
    this.buckets.set(key, b)
    if (b.tokens < 1) {
      const retryAfterS = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000))
      throw new RateLimited(`too many ${what}: at most ${perMinute} per minute; retry in ${retryAfterS} s`, retryAfterS)
    }
    b.tokens -= 1
  }

  get size(): number {
    return this.buckets.size
  }

  /** Drops buckets idle for over a minute (they would be full again), else the oldest tenth. */
  evict(now = this.now()): void {
    for (const [key, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(key)
    if (this.buckets.size < MAX_KEYS) return
    let drop = Math.ceil(MAX_KEYS / 10)
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break
      this.buckets.delete(key)
    }
  }
}

/** Counts held slots per key; keys at zero are removed, so the map only holds live holders. */
class Slots {
  private held = new Map<string, number>()

  acquire(key: string, cap: number, message: string): Release {
    const n = this.held.get(key) ?? 0
    if (n >= cap) throw new RateLimited(message, 5)
    this.held.set(key, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.held.get(key) ?? 1) - 1
      if (left <= 0) this.held.delete(key)
      else this.held.set(key, left)
    }
  }

  count(key: string): number {
    return this.held.get(key) ?? 0
  }
}

export const limitKey = (p: Principal, address?: string): string => (p.tokenId ? `tok:${p.tokenId}` : `addr:${address ?? 'local'}`)

/** Every per-token and per-address limit of SPEC §9, read live from `auth.*` in the config. */
export class HubLimits implements Limits {
  readonly requests = new RateBuckets()
  readonly toolCalls = new RateBuckets()
  private connections = new Slots()
  private streams = new Slots()
  private sweeper?: ReturnType<typeof setInterval>

  constructor(private config: () => HearthConfig) {}

  start(): void {
    this.sweeper ??= setInterval(() => {
      this.requests.evict()
      this.toolCalls.evict()
    }, 60_000)
    this.sweeper.unref?.()
  }

  stop(): void {
    clearInterval(this.sweeper)
    this.sweeper = undefined
  }

  takeRequest(p: Principal, address?: string): void {
    this.requests.take(limitKey(p, address), this.config().auth.requests_per_minute, 'requests')
  }

  takeToolCall(p: Principal, address?: string, count = 1): void {
    const perMinute = this.config().auth.tool_calls_per_minute
    for (let i = 0; i < count; i++) this.toolCalls.take(limitKey(p, address), perMinute, 'tool calls')
  }

  acquireConnection(address: string): Release {
    const cap = this.config().auth.ws_connections_per_address
    return this.connections.acquire(address, cap, `too many WebSocket connections from this address (at most ${cap})`)
  }

  acquireStream(p: Principal): Release {
    const cap = this.config().auth.streams_per_token
    return this.streams.acquire(limitKey(p), cap, `too many answers streaming for this token at once (at most ${cap})`)
  }

  connectionsFrom(address: string): number {
    return this.connections.count(address)
  }

  caps() {
    const { max_frame_bytes, max_message_chars } = this.config().auth
    return { maxFrameBytes: max_frame_bytes, maxMessageChars: max_message_chars }
  }
}
