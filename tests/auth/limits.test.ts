import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { HubLimits, RateBuckets } from '../../src/auth/limits'
import { resolveConfig } from '../../src/core/config'
import { RateLimited } from '../../src/core/errors'
import { startTestHub, type TestHub } from '../helpers/hub'

describe('rate buckets', () => {
  test('a burst of perMinute passes, the next is refused with the wait, and time refills it', () => {
    let now = 1_000_000
    const b = new RateBuckets(() => now)
    for (let i = 0; i < 6; i++) b.take('k', 6, 'requests')
    let refused: unknown
    try {
      b.take('k', 6, 'requests')
    } catch (err) {
      refused = err
    }
    expect(refused).toBeInstanceOf(RateLimited)
    expect((refused as RateLimited).retryAfterS).toBe(10)
    expect((refused as RateLimited).message).toContain('at most 6 per minute')
    now += 10_000
    b.take('k', 6, 'requests')
    expect(() => b.take('k', 6, 'requests')).toThrow(RateLimited)
    // Another key has its own bucket.
    b.take('other', 6, 'requests')
  })

  test('memory stays bounded: idle keys are evicted and the map never passes its cap', () => {
    let now = 0
    const b = new RateBuckets(() => now)
    for (let i = 0; i < 25_000; i++) b.take(`addr:${i}`, 10, 'requests')
    expect(b.size).toBeLessThanOrEqual(10_000)
    now += 61_000
    b.evict()
    expect(b.size).toBe(0)
  })
})

describe('connection and stream slots', () => {
  const cfg = resolveConfig({ auth: { ws_connections_per_address: 2, streams_per_token: 1, max_frame_bytes: 4096, max_message_chars: 50 } })
  const limits = new HubLimits(() => cfg)
  const alice = { tokenId: 'tok_a', name: 'alice', scopes: ['chat'] as const }
  const bob = { tokenId: 'tok_b', name: 'bob', scopes: ['chat'] as const }

  test('connections per address are capped and released (twice is harmless)', () => {
    const r1 = limits.acquireConnection('10.0.0.5')
    const r2 = limits.acquireConnection('10.0.0.5')
    expect(() => limits.acquireConnection('10.0.0.5')).toThrow('too many WebSocket connections')
    limits.acquireConnection('10.0.0.6')()
    r1()
    r1()
    expect(limits.connectionsFrom('10.0.0.5')).toBe(1)
    limits.acquireConnection('10.0.0.5')()
    r2()
    expect(limits.connectionsFrom('10.0.0.5')).toBe(0)
  })

  test('concurrent streams per token are capped per token', () => {
    const release = limits.acquireStream(alice)
    expect(() => limits.acquireStream(alice)).toThrow(RateLimited)
    limits.acquireStream(bob)()
    release()
    limits.acquireStream(alice)()
  })

  test('frame and message caps come from the config', () => {
    expect(limits.caps()).toEqual({ maxFrameBytes: 4096, maxMessageChars: 50 })
  })
})

describe('rate limits over HTTP (issue #7)', () => {
  let hub: TestHub
  const tokens: Record<string, string> = {}
  beforeAll(async () => {
    hub = await startTestHub({ yaml: 'auth:\n  requests_per_minute: 30\n  tool_calls_per_minute: 3\n' })
    for (const name of ['busy', 'calm', 'tooler', 'mcp-tooler']) {
      const res = await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name, scopes: ['chat', 'tools:list', 'tools:call'] }) })
      tokens[name] = ((await res.json()) as { token: string }).token
    }
  })
  afterAll(() => hub.close())

  test('requests beyond requests_per_minute get 429 with Retry-After; other tokens are unaffected', async () => {
    const statuses: number[] = []
    let limited: Response | undefined
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await hub.api('/api/v1/info', { token: tokens.busy })
      statuses.push(res.status)
      if (res.status === 429) limited = res
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30)
    expect(limited!.status).toBe(429)
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    expect((await hub.api('/api/v1/info', { token: tokens.calm })).status).toBe(200)
    // Health stays open and unlimited for monitors.
    expect((await hub.api('/api/v1/health', { token: null })).status).toBe(200)
  })

  test('tool calls beyond tool_calls_per_minute get 429 on /tools/call', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await hub.api('/tools/call', { method: 'POST', token: tokens.tooler, body: JSON.stringify({ name: 'nope', arguments: {} }) })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 3).every((s) => s !== 429)).toBe(true)
    expect(statuses.slice(3)).toEqual([429, 429])
    // Listing is a request, not a tool call.
    expect((await hub.api('/tools/list', { method: 'POST', token: tokens.tooler, body: '{}' })).status).not.toBe(429)
  })

  test('tool calls inside /mcp JSON-RPC count too (a batch counts each call)', async () => {
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'nope', arguments: {} } })
    const post = (body: unknown) =>
      hub.api('/mcp', { method: 'POST', token: tokens['mcp-tooler'], body: JSON.stringify(body), headers: { accept: 'application/json, text/event-stream' } })
    expect((await post([call(1), call(2)])).status).not.toBe(429)
    expect((await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' })).status).not.toBe(429)
    expect((await post(call(4))).status).not.toBe(429)
    const refused = await post(call(5))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('20')
  })
})
