import { describe, expect, test } from 'bun:test'
import { EventBus, type HearthEvent } from '../../src/core/events'
import { HealthRegistry } from '../../src/core/health'
import { createLogger, parseLevel } from '../../src/core/log'
import { StatsRegistry } from '../../src/core/stats'

describe('structured logs', () => {
  test('one JSON line per event with time, level, namespace and fields', () => {
    const lines: string[] = []
    const log = createLogger({ sink: (l) => lines.push(l) }).child('mcp', { server: 'memory' })
    log.info('connected', { ms: 12 })
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0]!)
    expect(entry).toMatchObject({ level: 'info', ns: 'mcp', msg: 'connected', server: 'memory', ms: 12 })
    expect(new Date(entry.time).getTime()).toBeGreaterThan(0)
  })

  test('levels: global, per namespace, and lazy debug text that is never built when off', () => {
    const lines: string[] = []
    const root = createLogger({ level: 'warn', levels: { mcp: 'debug' }, sink: (l) => lines.push(l) })
    let built = 0
    root.child('http').info('hidden')
    root.child('http').debug(() => `x${++built}`)
    root.child('mcp').debug(() => `shown ${++built}`)
    root.child('http').warn('shown too')
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['shown 1', 'shown too'])
    expect(built).toBe(1)
  })

  test('secrets: registered values and secret-looking keys are masked, errors are reduced to name and message', () => {
    const lines: string[] = []
    const log = createLogger({ sink: (l) => lines.push(l) })
    log.addSecret('hth_supersecret_token')
    log.addSecret('abc') // too short to mask safely: ignored rather than masking every "abc"
    log.info('auth', { header: 'Bearer hth_supersecret_token', api_key: 'sk-anything', nested: { password: 'pw' }, error: new Error('boom') })
    const text = lines.join('\n')
    expect(text).not.toContain('hth_supersecret_token')
    expect(text).not.toContain('sk-anything')
    expect(text).not.toContain('"pw"')
    expect(JSON.parse(lines[0]!).error).toEqual({ name: 'Error', message: 'boom' })
    log.info('abc is fine')
    expect(JSON.parse(lines[1]!).msg).toBe('abc is fine')
  })

  test('parseLevel accepts the four names and nothing else', () => {
    expect(parseLevel('DEBUG')).toBe('debug')
    expect(parseLevel(' warn ')).toBe('warn')
    expect(parseLevel('verbose')).toBeUndefined()
    expect(parseLevel('')).toBeUndefined()
    expect(parseLevel(undefined)).toBeUndefined()
  })
})

describe('event bus', () => {
  test('typed listeners, catch-all listeners, unsubscribe, and a throwing listener isolated', () => {
    const failures: string[] = []
    const bus = new EventBus((_err, e) => failures.push(e.type))
    const seen: HearthEvent[] = []
    const all: string[] = []
    bus.on('tools_changed', () => {
      throw new Error('bad subscriber')
    })
    const off = bus.on('tools_changed', (e) => seen.push(e))
    bus.onAny((e) => all.push(e.type))
    bus.emit({ type: 'tools_changed' })
    bus.emit({ type: 'config_changed', changes: [] })
    off()
    bus.emit({ type: 'tools_changed' })
    expect(seen).toEqual([{ type: 'tools_changed' }])
    expect(all).toEqual(['tools_changed', 'config_changed', 'tools_changed'])
    expect(failures).toEqual(['tools_changed', 'tools_changed'])
  })
})

describe('health and stats registries', () => {
  test('a slow or throwing check reports down; only a critical one takes the hub down', async () => {
    const health = new HealthRegistry()
    health.register('database', () => ({ status: 'ok' }), { critical: true })
    health.register('mqtt', () => {
      throw new Error('broker unreachable')
    })
    health.register('slow', () => new Promise(() => {}))
    const report = await health.report(50)
    expect(report.status).toBe('degraded')
    expect(report.checks.mqtt).toEqual({ status: 'down', error: 'broker unreachable' })
    expect(report.checks.slow).toEqual({ status: 'down', error: 'health check timed out' })
    const off = health.register('database', async () => ({ status: 'down', error: 'disk full' }), { critical: true })
    expect((await health.report(50)).status).toBe('down')
    off()
    expect((await health.report(50)).checks.database).toBeUndefined()
  })

  test('stats sources are snapshotted; a throwing one reports its error', () => {
    const stats = new StatsRegistry()
    stats.register('chat', () => ({ streams: 2 }))
    stats.register('broken', () => {
      throw new Error('nope')
    })
    expect(stats.snapshot()).toEqual({ chat: { streams: 2 }, broken: { error: 'nope' } })
  })
})
