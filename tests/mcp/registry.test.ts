import { describe, expect, test } from 'bun:test'
import { t } from 'elysia'
import { Registry } from '../../src/mcp/registry'
import { textResult, type ToolContext, type ToolDefinition } from '../../src/mcp/types'

const ctx = (signal = new AbortController().signal): ToolContext => ({ signal, actor: 'test', surface: 'rest' })
const echo = (name: string, extra: Partial<ToolDefinition> = {}): ToolDefinition => ({
  name,
  description: `echo ${name}`,
  inputSchema: t.Object({ text: t.String({ minLength: 1 }), times: t.Optional(t.Number({ minimum: 1 })) }),
  source: 'builtin',
  handler: (args) => textResult(String(args.text).repeat(Number(args.times ?? 1))),
  ...extra,
})

describe('Registry', () => {
  test('lists tools in name order, whatever the registration order, and removes them', () => {
    const r = new Registry()
    for (const n of ['zeta', 'alpha', 'Mid', 'beta']) r.register(echo(n))
    expect(r.list().map((x) => x.name)).toEqual(['Mid', 'alpha', 'beta', 'zeta'])
    expect(r.remove('alpha')).toBe(true)
    expect(r.remove('alpha')).toBe(false)
    expect(r.list().map((x) => x.name)).toEqual(['Mid', 'beta', 'zeta'])
    expect(r.get('beta')).toMatchObject({ name: 'beta', enabled: true, source: 'builtin' })
    expect((r.get('beta') as Record<string, unknown>).handler).toBeUndefined()
  })

  test('refuses a bad name or a non-object schema', () => {
    const r = new Registry()
    expect(() => r.register(echo('has space'))).toThrow(/must match/)
    expect(() => r.register(echo('ok', { inputSchema: { type: 'string' } }))).toThrow(/type "object"/)
  })

  test('a bad call is a tool error that names the field and what was expected; the handler never runs', async () => {
    const r = new Registry()
    let ran = 0
    r.register(echo('e', { handler: () => (ran++, textResult('x')) }))
    const missing = await r.call('e', {}, ctx())
    expect(missing.isError).toBe(true)
    expect(missing.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('missing required field "text"') })
    const wrong = await r.call('e', { text: 'a', times: 'two' }, ctx())
    expect(wrong.content[0]).toMatchObject({ text: expect.stringMatching(/field "times" must be number/) })
    expect((await r.call('e', [1, 2], ctx())).content[0]).toMatchObject({ text: expect.stringContaining('must be a JSON object') })
    expect(await r.validate('e', { text: '' })).toMatch(/field "text" must NOT have fewer than 1 characters/)
    expect(await r.validate('e', { text: 'ok' })).toBeNull()
    await expect(r.validate('nope', {})).rejects.toThrow(/unknown tool "nope"/)
    expect(ran).toBe(0)
    expect((await r.call('e', { text: 'ab', times: 2 }, ctx())).content[0]).toEqual({ type: 'text', text: 'x' })
    expect(ran).toBe(1)
  })

  test('a handler that throws becomes an isError result; an unknown or switched-off tool too', async () => {
    const r = new Registry()
    r.register(echo('boom', { handler: () => Promise.reject(new Error('kaput')) }))
    const res = await r.call('boom', { text: 'x' }, ctx())
    expect(res).toEqual({ content: [{ type: 'text', text: 'boom failed: kaput' }], isError: true })
    expect((await r.call('ghost', {}, ctx())).isError).toBe(true)
    r.setEnabled('boom', false)
    expect((await r.call('boom', { text: 'x' }, ctx())).content[0]).toMatchObject({ text: expect.stringContaining('switched off') })
  })

  test('a cancelled call reports cancellation, not a failure', async () => {
    const r = new Registry()
    r.register(
      echo('slow', {
        handler: (_a, c) =>
          new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
      }),
    )
    const ac = new AbortController()
    const pending = r.call('slow', { text: 'x' }, ctx(ac.signal))
    ac.abort()
    expect((await pending).content[0]).toMatchObject({ text: 'call to slow was cancelled' })
  })

  test('switches persist through onToggle and apply to tools registered later', () => {
    const toggles: [string, boolean][] = []
    const r = new Registry({ disabled: ['later'], onToggle: (n, e) => toggles.push([n, e]) })
    r.register(echo('later'))
    expect(r.list().map((x) => x.name)).toEqual([])
    expect(r.list({ includeDisabled: true })[0]).toMatchObject({ name: 'later', enabled: false })
    r.setEnabled('later', true)
    expect(r.list().map((x) => x.name)).toEqual(['later'])
    expect(toggles).toEqual([['later', true]])
  })

  test('listeners hear every change; a batch of 50 registrations is one notification', () => {
    const r = new Registry()
    const heard: string[] = []
    r.onChange((c) => heard.push(c.kind))
    r.onChange(() => {
      throw new Error('a bad listener must not stop registration')
    })
    r.batch(() => {
      for (let i = 0; i < 50; i++) r.register(echo(`t${i}`))
    })
    expect(heard).toEqual(['tools'])
    const off = r.register(echo('single'))
    off()
    r.registerPrompt({ name: 'p', source: 'x', get: async () => ({ messages: [] }) })
    r.registerResource({ uri: 'x://r', name: 'r', source: 'x', read: async () => [] })
    expect(heard).toEqual(['tools', 'tools', 'tools', 'prompts', 'resources'])
    expect(r.list()).toHaveLength(50)
  })

  test('accepts JSON Schema 2020-12 ($defs, $ref) and validates with it', async () => {
    const r = new Registry()
    r.register(
      echo('addr', {
        inputSchema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          $defs: { address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          properties: { address: { $ref: '#/$defs/address' } },
          additionalProperties: false,
        },
        handler: () => textResult('ok'),
      }),
    )
    expect(await r.validate('addr', { address: { city: 'Oslo' } })).toBeNull()
    expect(await r.validate('addr', { address: {} })).toMatch(/missing required field "city"/)
    expect(await r.validate('addr', { other: 1 })).toMatch(/unknown field "other"/)
  })

  test('prompts check required arguments; resources resolve fixed URIs, then templates', async () => {
    const r = new Registry()
    r.registerPrompt({ name: 'greet', arguments: [{ name: 'who', required: true }], source: 'x', get: async (a) => ({ messages: [{ role: 'user', content: { type: 'text', text: `hi ${a.who}` } }] }) })
    await expect(r.getPrompt('greet', {}, ctx())).rejects.toThrow(/needs who/)
    await expect(r.getPrompt('nope', {}, ctx())).rejects.toThrow(/unknown prompt/)
    expect((await r.getPrompt('greet', { who: 'Ann' }, ctx())).messages[0]!.content).toEqual({ type: 'text', text: 'hi Ann' })
    r.registerResource({ uri: 'x://fixed', name: 'fixed', source: 'x', read: async (uri) => [{ uri, text: 'fixed' }] })
    r.registerResourceTemplate({
      uriTemplate: 'x://item/{id}',
      name: 'item',
      source: 'x',
      read: async (uri) => (uri.startsWith('x://item/') ? [{ uri, text: uri.slice(9) }] : null),
      list: async () => [{ uri: 'x://item/1', name: 'one' }],
    })
    expect((await r.readResource('x://item/42', ctx()))[0]!.text).toBe('42')
    expect((await r.readResource('x://fixed', ctx()))[0]!.text).toBe('fixed')
    await expect(r.readResource('x://missing', ctx())).rejects.toThrow(/unknown resource/)
    expect((await r.listResources(ctx())).map((x) => x.uri)).toEqual(['x://fixed', 'x://item/1'])
    expect(r.listResourceTemplates().map((x) => x.uriTemplate)).toEqual(['x://item/{id}'])
  })
})

describe('Registry call records (audit hook)', () => {
  test('every call is reported once with actor, surface, arguments, outcome and duration', async () => {
    const records: unknown[] = []
    const r = new Registry({ onCall: (rec) => records.push(rec) })
    r.register(echo('e'))
    r.register(echo('bad', { handler: () => Promise.reject(new Error('nope')) }))
    await r.call('e', { text: 'hi' }, ctx())
    await r.call('bad', { text: 'x' }, ctx())
    await r.call('e', {}, ctx())
    expect(records).toEqual([
      expect.objectContaining({ actor: 'test', surface: 'rest', name: 'e', args: { text: 'hi' }, isError: false, durationMs: expect.any(Number) }),
      expect.objectContaining({ name: 'bad', isError: true, error: 'bad failed: nope' }),
      expect.objectContaining({ name: 'e', isError: true, error: expect.stringContaining('missing required field "text"') }),
    ])
  })
})
