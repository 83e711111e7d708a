import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { textResult } from '../../src/mcp/types'
import { ADMIN_TOKEN } from '../helpers/hub'
import { startChatHub, type ChatHub } from './setup'

let h: ChatHub
let client: OpenAI
beforeAll(async () => {
  h = await startChatHub()
  client = new OpenAI({ baseURL: `${h.hub.url}/v1`, apiKey: ADMIN_TOKEN, maxRetries: 0 })
  h.hub.services.tools.register({
    name: 'time_now',
    description: 'The current time',
    inputSchema: { type: 'object', properties: {} },
    source: 'builtin',
    handler: () => textResult('12:34'),
  })
})
afterAll(() => h.close())
beforeEach(() => {
  for (const f of Object.values(h.fakes)) f.reset()
})

describe('POST /v1/chat/completions (the official openai SDK against the hub)', () => {
  test('not streaming: the answer, usage, and the client\'s history passed through', async () => {
    h.fakes.oa.queue({ text: ['Hello', ' you'], usage: { input: 5, output: 2 } })
    const r = await client.chat.completions.create({
      model: 'hearth',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hey' },
        { role: 'user', content: 'again' },
      ],
    })
    expect(r.choices[0]!.message.content).toBe('Hello you')
    expect(r.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })
    expect(h.fakes.oa.requests[0]!.body.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'user'])
  })

  test('streaming: chunks as they come, then [DONE]', async () => {
    h.fakes.an.queue({ text: ['A', 'B', 'C'] })
    const stream = await client.chat.completions.create({ model: 'an', stream: true, messages: [{ role: 'user', content: 'abc' }] })
    const deltas: string[] = []
    let finish: string | null = null
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content)
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(deltas).toEqual(['A', 'B', 'C'])
    expect(finish).toBe('stop')
  })

  test('the hub runs the registry\'s tools inside the turn', async () => {
    h.fakes.oa.queue({ toolCalls: [{ id: 't', name: 'time_now', args: {} }] }, { text: ['It is 12:34.'] })
    const r = await client.chat.completions.create({ model: 'oa', messages: [{ role: 'user', content: 'what time is it' }] })
    expect(r.choices[0]!.message.content).toBe('It is 12:34.')
    expect(h.fakes.oa.requests[0]!.body.tools.map((t: any) => t.function.name)).toContain('time_now')
  })

  test('provider/model picks a provider and a model', async () => {
    h.fakes.ge.queue({ text: ['gem'] })
    const r = await client.chat.completions.create({ model: 'ge/gemini-other', messages: [{ role: 'user', content: 'x' }] })
    expect(r.choices[0]!.message.content).toBe('gem')
    expect(h.fakes.ge.requests[0]!.path).toContain('gemini-other')
  })

  test('a failing provider is an HTTP error with the JSON error body', async () => {
    h.fakes.oa.queue({ fail: 'http500' })
    const res = await h.hub.api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) })
    expect(res.status).toBe(502)
    expect((await res.json()).error.code).toBe('upstream_failed')
  })

  test('a bad body is 400 and no token is 401', async () => {
    const bad = await h.hub.api('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: 'nope' }) })
    expect(bad.status).toBe(400)
    const anon = await h.hub.api('/v1/chat/completions', { method: 'POST', token: null, body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) })
    expect(anon.status).toBe(401)
  })
})

describe('GET /v1/models', () => {
  test('lists each provider and provider/model', async () => {
    const list = await client.models.list()
    const ids = list.data.map((m) => m.id)
    expect(ids).toEqual(expect.arrayContaining(['oa', 'oa/gpt-fake', 'an', 'an/claude-fake', 'ge', 'ge/gemini-fake']))
  })
})
