import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AuditLog, redactArgs } from '../../src/auth/audit'
import { createLogger } from '../../src/core/log'
import { openDatabase } from '../../src/db/client'
import { Registry } from '../../src/mcp/registry'
import { errorResult, textResult } from '../../src/mcp/types'
import { startTestHub, type TestHub } from '../helpers/hub'

const ctx = (actor: string, surface: 'mcp' | 'rest' | 'chat' = 'rest') => ({ signal: new AbortController().signal, actor, surface })

describe('audit arguments are redacted', () => {
  test('secret-looking keys are masked at any depth; a config_set of a secret hides the value, keeps the key', () => {
    expect(
      redactArgs({
        room: 'kitchen',
        api_key: 'sk-live-123',
        nested: { password: 'hunter2', list: [{ authToken: 'abc', n: 3 }] },
        clientSecret: 42,
      }),
    ).toEqual({ room: 'kitchen', api_key: '***', nested: { password: '***', list: [{ authToken: '***', n: 3 }] }, clientSecret: '***' })
    expect(redactArgs({ key: 'providers.openai.api_key', value: 'sk-live-123' })).toEqual({ key: 'providers.openai.api_key', value: '***' })
    expect(redactArgs({ key: 'chat.provider', value: 'anthropic' })).toEqual({ key: 'chat.provider', value: 'anthropic' })
  })
})

describe('audit log of tool calls through the registry (issue #7)', () => {
  let hub: TestHub
  let registry: Registry
  beforeAll(async () => {
    hub = await startTestHub()
    // The registry reports every call; the hub's audit log records it (the wiring hub.ts does).
    registry = new Registry({ onCall: hub.services.auth.audit.record })
    registry.register({
      name: 'lamp_set',
      description: 'switch a lamp',
      source: 'builtin',
      inputSchema: { type: 'object', properties: { room: { type: 'string' }, token: { type: 'string' } }, required: ['room'] },
      handler: async (args) => (args.room === 'attic' ? errorResult('no lamp in the attic') : textResult('ok')),
    })
    registry.register({
      name: 'explode',
      description: 'always throws',
      source: 'builtin',
      inputSchema: { type: 'object' },
      handler: () => {
        throw new Error('kaboom')
      },
    })
    await registry.call('lamp_set', { room: 'kitchen', token: 'hth_should_not_be_stored' }, ctx('alice', 'mcp'))
    await registry.call('lamp_set', { room: 'attic' }, ctx('bob', 'chat'))
    await registry.call('lamp_set', { room: 7 }, ctx('bob', 'rest'))
    await registry.call('explode', {}, ctx('alice', 'rest'))
    await registry.call('missing', {}, ctx('carol', 'rest'))
  })
  afterAll(() => hub.close())

  type Entry = { tool: string; actor: string; surface: string; outcome: string; error: string | null; arguments: unknown; duration_ms: number; at: string }
  const audit = async (query = '') => {
    const res = await hub.api(`/api/v1/audit${query}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { entries: Entry[] }).entries
  }

  test('every call is recorded: who, what, redacted arguments, outcome, duration, time, surface', async () => {
    const all = await audit()
    expect(all.map((e) => [e.tool, e.actor, e.surface, e.outcome])).toEqual([
      ['missing', 'carol', 'rest', 'error'],
      ['explode', 'alice', 'rest', 'error'],
      ['lamp_set', 'bob', 'rest', 'error'],
      ['lamp_set', 'bob', 'chat', 'error'],
      ['lamp_set', 'alice', 'mcp', 'ok'],
    ])
    const first = all[4]!
    expect(first.arguments).toEqual({ room: 'kitchen', token: '***' })
    expect(first.error).toBeNull()
    expect(first.duration_ms).toBeGreaterThanOrEqual(0)
    expect(Math.abs(Date.parse(first.at) - Date.now())).toBeLessThan(60_000)
    expect(all[1]!.error).toContain('kaboom')
    expect(all[2]!.error).toContain('invalid arguments')
    expect(JSON.stringify(all)).not.toContain('hth_should_not_be_stored')
  })

  test('filters: tool, actor, outcome, since, limit', async () => {
    expect((await audit('?tool=lamp_set')).length).toBe(3)
    expect((await audit('?actor=alice')).map((e) => e.tool)).toEqual(['explode', 'lamp_set'])
    expect((await audit('?outcome=ok')).map((e) => e.actor)).toEqual(['alice'])
    expect((await audit('?tool=lamp_set&actor=bob&outcome=error')).length).toBe(2)
    expect((await audit('?limit=2')).length).toBe(2)
    expect((await audit(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).length).toBe(0)
  })

  test('bad filters are 400; non-admin tokens are 403', async () => {
    for (const q of ['?limit=0', '?limit=abc', '?outcome=maybe', '?since=yesterday', '?limit=100000']) {
      expect({ q, status: (await hub.api(`/api/v1/audit${q}`)).status }).toEqual({ q, status: 400 })
    }
    const { token } = (await (await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'tools', scopes: ['tools:call', 'tools:list'] }) })).json()) as { token: string }
    expect((await hub.api('/api/v1/audit', { token })).status).toBe(403)
  })
})

describe('audit retention', () => {
  test('rows older than auth.audit_retention_days are swept, newer ones stay', () => {
    const db = openDatabase(':memory:')
    const log = createLogger({ sink: () => {} })
    const audit = new AuditLog({ db: db.db, log, retentionDays: () => 7 })
    audit.record({ name: 'old', actor: 'a', surface: 'rest', args: {}, isError: false, durationMs: 1 })
    audit.record({ name: 'new', actor: 'a', surface: 'rest', args: {}, isError: false, durationMs: 1 })
    audit.flush() // rows are written in batches; age the stored one
    db.sqlite.run("UPDATE audit SET at = at - 8 * 86400000 WHERE tool = 'old'")
    expect(audit.sweep()).toBe(1)
    expect(audit.query({ limit: 10 }).map((e) => e.tool)).toEqual(['new'])
    expect(audit.sweep(Date.now() + 8 * 86_400_000)).toBe(1)
    db.close()
  })

  test('huge arguments are stored as a bounded preview', () => {
    const db = openDatabase(':memory:')
    const audit = new AuditLog({ db: db.db, log: createLogger({ sink: () => {} }), retentionDays: () => 7 })
    audit.record({ name: 'big', actor: 'a', surface: 'rest', args: { text: 'x'.repeat(100_000) }, isError: false, durationMs: 1 })
    const [entry] = audit.query({ limit: 1 })
    expect(entry!.arguments).toMatchObject({ truncated: true })
    expect(JSON.stringify(entry!.arguments).length).toBeLessThan(2_000)
    db.close()
  })
})
