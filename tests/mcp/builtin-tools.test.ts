import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ftsQuery, toolSwitchRepo } from '../../src/mcp/repo'
import { MAX_BATCH } from '../../src/mcp/builtin/call-tools'
import { textResult, type ToolContext, type ToolResult } from '../../src/mcp/types'
import { startTestHub, type TestHub } from '../helpers/hub'
import { insertConversation } from '../helpers/mcp'

let hub: TestHub
const ctx = (): ToolContext => ({ signal: new AbortController().signal, actor: 'test', surface: 'rest' })
const call = (name: string, args: Record<string, unknown>) => hub.services.tools.call(name, args, ctx())
const data = (r: ToolResult) => r.structuredContent as Record<string, any>

beforeAll(async () => {
  hub = await startTestHub({ yaml: 'providers:\n  gpt: { kind: openai, model: gpt-5-mini, api_key: sk-very-secret }\n  claude: { kind: anthropic, model: claude-sonnet-5 }\n' })
  const db = hub.services.db.db
  const t0 = Date.now() - 100_000
  insertConversation(db, 'garden', 'Garden', [
    ['user', 'How deep should I plant tomato seedlings?'],
    ['assistant', 'Plant tomato seedlings deep, up to the first leaves; tomato stems grow roots. Tomato tomato.'],
  ], t0)
  insertConversation(db, 'kitchen', 'Kitchen', [
    ['user', 'A sauce with one tomato and lots of basil'],
    ['assistant', 'Basil pesto goes well with pasta.'],
  ], t0 + 1000)
  insertConversation(db, 'weird', 'Weird', [['user', 'what does "AND OR NOT" mean in -queries* (really)?']], t0 + 2000)
})
afterAll(() => hub.close())

describe('config tools', () => {
  test('config_get reads a key or a prefix with secrets redacted', async () => {
    const r = data(await call('config_get', { key: 'providers.gpt' }))
    expect(r.entries).toEqual(expect.arrayContaining([{ key: 'providers.gpt.api_key', value: '***', source: 'file' }, { key: 'providers.gpt.model', value: 'gpt-5-mini', source: 'file' }]))
    expect(JSON.stringify(r)).not.toContain('sk-very-secret')
    expect((await call('config_get', { key: 'no.such' })).isError).toBe(true)
  })

  test('config_set validates, reports from → to, never echoes a secret', async () => {
    expect(data(await call('config_set', { key: 'chat.max_tool_hops', value: 3 }))).toEqual({ changes: [{ key: 'chat.max_tool_hops', from: 8, to: 3 }] })
    expect(hub.services.config.current.chat.max_tool_hops).toBe(3)
    const bad = await call('config_set', { key: 'chat.max_tool_hops', value: 'lots' })
    expect(bad.isError).toBe(true)
    expect((bad.content[0] as { text: string }).text).toContain('chat.max_tool_hops')
    const secret = await call('config_set', { key: 'providers.gpt.api_key', value: 'sk-new-secret' })
    expect(JSON.stringify(secret)).not.toContain('sk-new-secret')
    expect(data(secret).changes[0]).toEqual({ key: 'providers.gpt.api_key', from: '***', to: '***' })
    expect(data(await call('config_set', { key: 'chat.max_tool_hops', value: null })).changes[0]).toMatchObject({ from: 3, to: 8 })
  })

  test('provider_switch makes a configured provider active; an unknown one lists the choices', async () => {
    expect(data(await call('provider_switch', { provider: 'claude' }))).toEqual({ from: 'gpt', to: 'claude', model: 'claude-sonnet-5' })
    expect(hub.services.config.current.chat.provider).toBe('claude')
    const unknown = await call('provider_switch', { provider: 'mistral' })
    expect(unknown.isError).toBe(true)
    expect((unknown.content[0] as { text: string }).text).toContain('configured: gpt, claude')
  })
})

describe('history_search (FTS5)', () => {
  test('ranks the message that is most about the words first, with a highlighted snippet', async () => {
    const r = data(await call('history_search', { query: 'tomato' }))
    expect(r.results.map((x: { message_id: string }) => x.message_id)).toEqual(['garden-m1', 'garden-m0', 'kitchen-m0'])
    expect(r.results[0].snippet).toContain('[tomato]')
    expect(r.results[0].score).toBeGreaterThan(r.results[2].score)
  })

  test('filters by conversation, role and limit', async () => {
    expect(data(await call('history_search', { query: 'tomato', conversation_id: 'kitchen' })).results.map((x: { message_id: string }) => x.message_id)).toEqual(['kitchen-m0'])
    expect(data(await call('history_search', { query: 'tomato', role: 'user' })).results).toHaveLength(2)
    expect(data(await call('history_search', { query: 'tomato', limit: 1 })).results).toHaveLength(1)
    expect(data(await call('history_search', { query: 'basil pesto' })).results.map((x: { message_id: string }) => x.message_id)).toEqual(['kitchen-m1'])
  })

  test('FTS syntax in the query is searched for, never interpreted (no errors)', async () => {
    expect(ftsQuery('AND OR "x" -y*')).toBe('"AND" "OR" "x" "y"')
    expect(ftsQuery('  ...  ')).toBeNull()
    const r = await call('history_search', { query: 'AND OR NOT (really) -queries*' })
    expect(r.isError).toBeUndefined()
    expect(data(r).results.map((x: { message_id: string }) => x.message_id)).toEqual(['weird-m0'])
    expect(data(await call('history_search', { query: '"(' })).results).toEqual([])
  })
})

describe('search_tools', () => {
  test('finds the right tool first among 1,000 and stays fast', async () => {
    const rooms = ['kitchen', 'bedroom', 'garage', 'office', 'hall', 'attic', 'porch', 'bath', 'den', 'loft']
    const kinds = ['lamp', 'plug', 'sensor', 'blind', 'fan', 'heater', 'lock', 'camera', 'speaker', 'valve']
    const verbs = ['set', 'get', 'toggle', 'dim', 'read', 'open', 'close', 'arm', 'mute', 'reset']
    const off = hub.services.tools.batch(() => {
      const undo: (() => void)[] = []
      for (let i = 0; i < 1000; i++) {
        const room = rooms[i % 10]!
        const kind = kinds[Math.floor(i / 10) % 10]!
        const verb = verbs[Math.floor(i / 100) % 10]!
        undo.push(
          hub.services.tools.register({
            name: `home_${verb}_${room}_${kind}`,
            description: `${verb} the ${kind} in the ${room}`,
            inputSchema: { type: 'object', properties: { [`${kind}_level`]: { type: 'number' } } },
            source: 'home',
            keywords: [room, kind],
            handler: () => textResult('ok'),
          }),
        )
      }
      return () => undo.forEach((u) => u())
    })
    try {
      expect(hub.services.tools.list().length).toBeGreaterThan(1000)
      const first = data(await call('search_tools', { query: 'dim kitchen lamp' }))
      expect(first.results[0].name).toBe('home_dim_kitchen_lamp')
      expect(first.results[0].inputSchema).toMatchObject({ properties: { lamp_level: { type: 'number' } } })
      expect(data(await call('search_tools', { query: 'home_mute_attic_speaker' })).results[0].name).toBe('home_mute_attic_speaker')
      expect(data(await call('search_tools', { query: 'search past conversations' })).results[0].name).toBe('history_search')
      expect(data(await call('search_tools', { query: 'valve_level garage' })).results[0].name).toMatch(/_garage_valve$/)
      const started = performance.now()
      for (let i = 0; i < 50; i++) await call('search_tools', { query: `toggle ${rooms[i % 10]} heater` })
      const perQuery = (performance.now() - started) / 50
      // ~0.2 ms on an idle box; the bound leaves room for a loaded one and still rules out anything slow.
      expect(perQuery).toBeLessThan(20)
    } finally {
      off()
    }
  })
})

describe('batch_execute and call_tool', () => {
  test('runs calls in parallel with per-call results and errors, in order', async () => {
    hub.services.tools.register({ name: 'test_sleep', description: 'sleeps', inputSchema: { type: 'object', properties: { ms: { type: 'number' } } }, source: 'test', handler: async (a) => (await Bun.sleep(Number(a.ms)), textResult(`slept ${a.ms}`)) })
    const started = Date.now()
    const r = data(
      await call('batch_execute', {
        calls: [
          { name: 'test_sleep', arguments: { ms: 300 } },
          { name: 'test_sleep', arguments: { ms: 300 } },
          { name: 'no_such_tool', arguments: {} },
          { name: 'test_sleep', arguments: { ms: 'x' } },
          { name: 'batch_execute', arguments: { calls: [] } },
        ],
      }),
    )
    // In sequence the two sleeps alone would take 600 ms; the margin is for a loaded 2-core box.
    expect(Date.now() - started).toBeLessThan(560)
    expect(r.results.map((x: { ok: boolean }) => x.ok)).toEqual([true, true, false, false, false])
    expect(r.results[0].content).toEqual([{ type: 'text', text: 'slept 300' }])
    expect(r.results[2].content[0].text).toContain('unknown tool')
    expect(r.results[3].content[0].text).toContain('field "ms" must be number')
    expect(r).toMatchObject({ succeeded: 2, failed: 3 })
    const tooMany = await call('batch_execute', { calls: Array.from({ length: MAX_BATCH + 1 }, () => ({ name: 'config_get' })) })
    expect((tooMany.content[0] as { text: string }).text).toContain(`must NOT have more than ${MAX_BATCH} items`)
  })

  test('call_tool reaches any tool by name, but not itself', async () => {
    expect((await call('call_tool', { name: 'config_get', arguments: { key: 'server.port' } })).structuredContent).toMatchObject({ entries: [{ key: 'server.port' }] })
    expect((await call('call_tool', { name: 'call_tool', arguments: {} })).isError).toBe(true)
  })
})

describe('tool switches', () => {
  test('switching a tool off hides it everywhere and is stored in tool_switches', async () => {
    hub.services.tools.setEnabled('config_set', false)
    expect(hub.services.tools.list().map((t) => t.name)).not.toContain('config_set')
    expect(toolSwitchRepo(hub.services.db.db).disabled()).toEqual(['config_set'])
    const res = await hub.api('/tools/call', { method: 'POST', body: JSON.stringify({ name: 'config_set', arguments: { key: 'a', value: 1 } }) })
    expect(res.status).toBe(404)
    hub.services.tools.setEnabled('config_set', true)
    expect(toolSwitchRepo(hub.services.db.db).disabled()).toEqual([])
  })
})

describe('hub wiring', () => {
  test('registry changes are re-emitted on the event bus; stats count tools and sessions', async () => {
    const seen: string[] = []
    const off = hub.services.bus.onAny((e) => seen.push(e.type))
    const undo = hub.services.tools.register({ name: 'wired_tool', description: 'x', inputSchema: { type: 'object' }, source: 'test', handler: () => textResult('x') })
    hub.services.tools.registerPrompt({ name: 'wired_prompt', source: 'test', get: async () => ({ messages: [] }) })
    undo()
    off()
    expect(seen).toEqual(['tools_changed', 'prompts_changed', 'tools_changed'])
    const stats = (await (await hub.api('/api/v1/stats')).json()) as { mcp: { tools: number; sessions: number } }
    expect(stats.mcp.tools).toBe(hub.services.tools.list({ includeDisabled: true }).length)
    expect(stats.mcp.sessions).toBe(0)
  })
})
