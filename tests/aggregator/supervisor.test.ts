import { afterEach, describe, expect, test } from 'bun:test'
import { Aggregator } from '../../src/aggregator/service'
import type { ConnectionInfo, ToolSource } from '../../src/aggregator/upstream'
import { ConfigService, type OverrideStore } from '../../src/core/config'
import { EventBus, type HearthEvent } from '../../src/core/events'
import { createLogger } from '../../src/core/log'
import { openDatabase, type DbHandle } from '../../src/db/client'
import { Registry } from '../../src/mcp/registry'
import { textResult } from '../../src/mcp/types'
import { ctx, until } from './support'

/** A ToolSource that fails to connect a set number of times, then serves one tool. */
class FlakySource implements ToolSource {
  info: ConnectionInfo = { transport: 'stdio' }
  onDown?: (reason: string) => void
  onListChanged?: () => void
  constructor(private plan: { failures: number; attempts: number[] }) {}
  async connect(): Promise<void> {
    this.plan.attempts.push(Date.now())
    if (this.plan.attempts.length <= this.plan.failures) throw new Error(`refused #${this.plan.attempts.length}`)
  }
  async list(kind: string): Promise<unknown[]> {
    return kind === 'tools' ? [{ name: 'ping', description: 'pong', inputSchema: { type: 'object' } }] : []
  }
  async callTool() {
    return textResult('pong')
  }
  async getPrompt(): Promise<never> {
    throw new Error('no prompts')
  }
  async readResource(): Promise<never> {
    throw new Error('no resources')
  }
  async ping() {}
  async close() {}
}

describe('aggregator: supervision with a swapped-in ToolSource', () => {
  let db: DbHandle
  let agg: Aggregator
  afterEach(async () => {
    await agg.stop()
    db.close()
  })

  function build(makeSource: () => ToolSource, events: HearthEvent[] = []) {
    db = openDatabase(':memory:')
    const store: OverrideStore = { load: () => ({}), save() {}, remove() {}, clear() {} }
    const bus = new EventBus()
    bus.on('mcp_server_status', (e) => events.push(e))
    const log = createLogger({ sink: () => {} })
    const config = new ConfigService({ env: {}, store, bus, log })
    config.load()
    const registry = new Registry()
    agg = new Aggregator({
      registry,
      config,
      bus,
      db: db.db,
      log,
      env: {},
      backoff: { baseMs: 20, maxMs: 80, jitter: 0 },
      makeSource,
    })
    agg.start()
    return registry
  }

  test('failed connects back off exponentially up to the cap, then the tools arrive', async () => {
    const plan = { failures: 4, attempts: [] as number[] }
    const events: HearthEvent[] = []
    const registry = build(() => new FlakySource(plan), events)
    agg.add('flaky', { command: 'unused' })
    await until('flaky ready', () => agg.status('flaky').state === 'ready')
    const gaps = plan.attempts.slice(1).map((t, i) => t - plan.attempts[i]!)
    // 20, 40, 80, 80 ms (capped), give or take the timer's resolution.
    expect(gaps.length).toBe(4)
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual([20, 40, 80, 80][i]! - 2))
    expect(gaps[3]!).toBeLessThan(300)
    const s = agg.status('flaky')
    expect(s.restarts).toBe(4)
    expect(s.last_error).toBeNull()
    expect(textResult('pong')).toEqual(await registry.call('flaky_ping', {}, ctx()))
    const states = events.map((e) => (e.type === 'mcp_server_status' ? e.state : ''))
    expect(states.slice(0, 3)).toEqual(['starting', 'backoff', 'starting'])
    expect(states.at(-1)).toBe('ready')
  })

  test('a source that drops is marked down at once, its tools leave, and it is reconnected', async () => {
    const plan = { failures: 0, attempts: [] as number[] }
    const sources: FlakySource[] = []
    // Keep each source to drop it from outside, as a dying transport would.
    const registry = build(() => {
      const s = new FlakySource(plan)
      sources.push(s)
      return s
    })
    agg.add('drop', { command: 'unused' })
    await until('ready', () => agg.status('drop').state === 'ready')
    sources[0]!.onDown!('transport closed')
    expect(agg.status('drop').state).toBe('backoff')
    expect(agg.status('drop').last_error).toBe('transport closed')
    expect(registry.has('drop_ping')).toBe(false)
    await until('ready again', () => agg.status('drop').state === 'ready')
    expect(registry.has('drop_ping')).toBe(true)
    expect(sources.length).toBe(2)
  })
})
