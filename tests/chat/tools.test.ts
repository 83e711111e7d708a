import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { jsonResult, textResult } from '../../src/mcp/types'
import { startChatHub, type ChatHub } from './setup'

let h: ChatHub
let running = 0
let maxRunning = 0
const calls: { name: string; args: unknown; actor: string; surface: string; conversationId?: string }[] = []

beforeAll(async () => {
  h = await startChatHub()
  const tools = h.hub.services.tools
  tools.register({
    name: 'light_set',
    description: 'Switch the light of a room on or off',
    inputSchema: { type: 'object', properties: { room: { type: 'string' }, on: { type: 'boolean' } }, required: ['room'] },
    source: 'builtin',
    handler: async (args, ctx) => {
      calls.push({ name: 'light_set', args, actor: ctx.actor, surface: ctx.surface, conversationId: ctx.conversationId })
      running++
      maxRunning = Math.max(maxRunning, running)
      await Bun.sleep(30)
      running--
      return jsonResult({ room: args.room as string, state: args.on === false ? 'OFF' : 'ON' })
    },
  })
  tools.register({
    name: 'weather_now',
    description: 'The weather outside right now',
    inputSchema: { type: 'object', properties: {} },
    source: 'builtin',
    handler: () => textResult('sunny, 21 °C'),
  })
})
afterAll(() => h.close())
beforeEach(() => {
  for (const f of Object.values(h.fakes)) f.reset()
  calls.length = 0
  maxRunning = 0
})

const kinds = [['oa', 'openai'], ['an', 'anthropic'], ['ge', 'gemini']] as const

describe('the tool loop, per vendor format', () => {
  for (const [name, kind] of kinds) {
    test(`${kind}: one call, executed, reported to every subscriber, fed back, stored`, async () => {
      const a = await h.client()
      const b = await h.client()
      h.fakes[name].queue({ text: ['ok'] })
      await a.request({ action: 'chat', request_id: 'pre', text: 'hello', provider: name })
      const conv = a.of('pre')[0]!.conversation_id
      await b.request({ action: 'subscribe', request_id: 's', conversation_id: conv })

      h.fakes[name].queue({ toolCalls: [{ id: 'call_1', name: 'light_set', args: { room: 'kitchen', on: true } }] }, { text: ['The kitchen light is on.'] })
      const end = await a.request({ action: 'chat', request_id: 't1', text: 'Turn on the kitchen light', conversation_id: conv, provider: name })
      expect(end.status).toBe('complete')
      const tools = a.of('t1').filter((f) => f.status === 'tool_execution').map((f) => f.tool)
      expect(tools.map((t) => [t.name, t.status])).toEqual([['light_set', 'executing'], ['light_set', 'completed']])
      expect(tools[0].arguments).toEqual({ room: 'kitchen', on: true })
      expect(tools[1].result).toEqual({ room: 'kitchen', state: 'ON' })
      expect(a.text('t1')).toBe('The kitchen light is on.')
      await b.next((f) => f.request_id === 't1' && f.status === 'complete')
      expect(b.of('t1')).toEqual(a.of('t1'))
      expect(calls).toEqual([{ name: 'light_set', args: { room: 'kitchen', on: true }, actor: 'admin', surface: 'chat', conversationId: conv }])

      // The model was offered the tools in its own format and got the result back.
      const [first, second] = h.fakes[name].requests.slice(-2).map((r) => JSON.stringify(r.body))
      expect(first).toContain('light_set')
      expect(second).toContain('kitchen')
      expect(second).toContain('ON')

      const hist = (await a.request({ action: 'history', request_id: 'h', conversation_id: conv })).messages
      expect(hist.slice(2).map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])
      expect(hist[3].tool_calls[0]).toMatchObject({ name: 'light_set', arguments: { room: 'kitchen', on: true } })
      expect(hist[4].tool_call_id).toBe(hist[3].tool_calls[0].id)
      expect(hist[5].content).toBe('The kitchen light is on.')
    })

    test(`${kind}: parallel calls run together`, async () => {
      const c = await h.client()
      h.fakes[name].queue(
        {
          toolCalls: [
            { id: 'c1', name: 'light_set', args: { room: 'hall' } },
            { id: 'c2', name: 'light_set', args: { room: 'porch' } },
            { id: 'c3', name: 'weather_now', args: {} },
          ],
        },
        { text: ['Done.'] },
      )
      const end = await c.request({ action: 'chat', request_id: 'par', text: 'lights and weather', provider: name })
      expect(end.status).toBe('complete')
      expect(maxRunning).toBe(2)
      const done = c.of('par').filter((f) => f.status === 'tool_execution' && f.tool.status === 'completed')
      expect(done.map((f) => f.tool.name).sort()).toEqual(['light_set', 'light_set', 'weather_now'])
      expect(JSON.stringify(h.fakes[name].requests.at(-1)!.body)).toContain('sunny')
    })
  }

  test('a failing tool is reported as failed and the model reads the error', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ toolCalls: [{ id: 'x', name: 'light_set', args: { on: true } }] }, { text: ['Which room?'] })
    const end = await c.request({ action: 'chat', request_id: 'bad', text: 'lights' })
    expect(end.status).toBe('complete')
    const failed = c.of('bad').find((f) => f.tool?.status === 'failed')!
    expect(String(failed.tool.result)).toContain('room')
    expect(JSON.stringify(h.fakes.oa.requests.at(-1)!.body.messages.at(-1))).toContain('missing required field')
  })

  test('the loop stops at chat.max_tool_hops with a clear error', async () => {
    await h.set({ 'chat.max_tool_hops': 2 })
    try {
      const c = await h.client()
      const loop = { toolCalls: [{ name: 'weather_now', args: {} }] }
      h.fakes.oa.queue(loop, loop, loop, loop)
      const end = await c.request({ action: 'chat', request_id: 'hop', text: 'weather forever' })
      expect(end.status).toBe('error')
      expect(end.error.code).toBe('tool_hop_limit')
      expect(end.error.message).toContain('max_tool_hops')
      expect(h.fakes.oa.requests.length).toBe(3)
      expect(c.of('hop').filter((f) => f.tool?.status === 'completed').length).toBe(2)
    } finally {
      await h.set({ 'chat.max_tool_hops': null })
    }
  })
})

describe('tools in the compatibility dialect', () => {
  test('user_message → tool_execution frames by name and status, then assistant_message', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ toolCalls: [{ id: 'w', name: 'weather_now', args: {} }] }, { text: ['Sunny.'] })
    c.send({ type: 'user_message', message: 'weather?' })
    const msg = await c.next((f) => f.type === 'assistant_message')
    expect(c.frames.filter((f) => f.type === 'tool_execution')).toEqual([
      { type: 'tool_execution', tool_name: 'weather_now', status: 'executing' },
      { type: 'tool_execution', tool_name: 'weather_now', status: 'completed' },
    ])
    expect(msg.message).toBe('Sunny.')
  })
})

describe('many tools', () => {
  test('beyond mcp.max_tools_in_context the model gets call_tool and the most relevant tools', async () => {
    const offs = Array.from({ length: 60 }, (_, i) =>
      h.hub.services.tools.register({
        name: `gadget_${i}`,
        description: i === 42 ? 'Controls the garden sprinkler' : `Gadget number ${i}`,
        inputSchema: { type: 'object', properties: {} },
        source: 'builtin',
        handler: () => textResult(`gadget ${i} done`),
      }),
    )
    try {
      const c = await h.client()
      h.fakes.oa.queue({ toolCalls: [{ id: 'm', name: 'call_tool', args: { name: 'gadget_7', arguments: {} } }] }, { text: ['ok'] })
      const end = await c.request({ action: 'chat', request_id: 'many', text: 'water the garden with the sprinkler' })
      expect(end.status).toBe('complete')
      const offered = h.fakes.oa.requests[0]!.body.tools.map((t: any) => t.function.name)
      expect(offered.length).toBeLessThanOrEqual(40)
      expect(offered).toContain('call_tool')
      expect(offered).toContain('gadget_42')
      expect(offered).not.toContain('gadget_7')
      // call_tool reached a tool the model was not handed directly.
      expect(JSON.stringify(h.fakes.oa.requests[1]!.body.messages.at(-1))).toContain('gadget 7 done')
    } finally {
      for (const off of offs) off()
    }
  })
})
