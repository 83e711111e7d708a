import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { createGeminiAdapter } from '../../src/providers/gemini'
import type { ChatRequest } from '../../src/providers/types'
import { startGeminiFake } from '../fakes/gemini-server'
import { TINY_PNG } from '../fakes/openai-server'
import { collect, drain, signal } from './harness'

const fake = startGeminiFake()
afterAll(() => fake.stop())
beforeEach(() => fake.reset())

const adapter = await createGeminiAdapter({
  name: 'gemini',
  kind: 'gemini',
  model: 'gemini-fake',
  api_key: 'AIza-test',
  base_url: fake.url,
  thinking_tokens: 512,
  temperature: 0.2,
  timeout_ms: 5000,
  first_token_timeout_ms: 1000,
  max_retries: 0,
})

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gemini-fake',
  messages: [
    { role: 'system', content: 'Be kind.' },
    { role: 'user', content: 'hi' },
  ],
  signal: signal(),
  ...over,
})

describe('gemini adapter against the stand-in', () => {
  test('streams thought parts as thinking, text, and usageMetadata; key in x-goog-api-key', async () => {
    fake.queue({ thinking: ['pondering'], text: ['Hel', 'lo'], usage: { input: 8, output: 2, thinking: 5 } })
    expect(await collect(adapter.stream(req()))).toEqual([
      { kind: 'thinking', delta: 'pondering' },
      { kind: 'text', delta: 'Hel' },
      { kind: 'text', delta: 'lo' },
      { kind: 'done', usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 }, stop: 'end' },
    ])
    const r = fake.requests[0]!
    expect(r.path).toBe('/v1/models/gemini-fake:streamGenerateContent')
    expect(r.search).toBe('?alt=sse')
    expect(r.headers['x-goog-api-key']).toBe('AIza-test')
    expect(r.body.systemInstruction.parts).toEqual([{ text: 'Be kind.' }])
    expect(r.body.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }])
    expect(r.body.generationConfig).toMatchObject({ temperature: 0.2, thinkingConfig: { includeThoughts: true, thinkingBudget: 512 } })
  })

  test('parallel functionCall parts become tool-calls, with the thought signature kept', async () => {
    fake.queue({
      toolCalls: [
        { id: 'fc1', name: 'home.set_state', args: { device: 'lamp', brightness: 30 } },
        { name: 'weather', args: {} },
      ],
    })
    const tools = [
      {
        name: 'home.set_state',
        description: 'set',
        inputSchema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          additionalProperties: false,
          properties: { device: { type: 'string', default: 'lamp' }, brightness: { type: ['integer', 'null'], minimum: 0, maximum: 100 } },
          required: ['device'],
        },
      },
      { name: 'weather', description: 'forecast', inputSchema: { type: 'object' } },
    ]
    const events = await collect(adapter.stream(req({ tools })))
    expect(events.filter((e) => e.kind === 'tool-call')).toEqual([
      { kind: 'tool-call', id: 'fc1', name: 'home.set_state', args: { device: 'lamp', brightness: 30 } },
      { kind: 'tool-call', id: 'call_1', name: 'weather', args: {} },
    ])
    expect(events.at(-1)).toMatchObject({ kind: 'done', stop: 'tool_calls' })
    const decl = fake.requests[0]!.body.tools[0].functionDeclarations
    expect(decl[0].parameters).toEqual({
      type: 'OBJECT',
      properties: { device: { type: 'STRING' }, brightness: { type: 'INTEGER', nullable: true, minimum: 0, maximum: 100 } },
      required: ['device'],
    })
    expect(decl[1]).toEqual({ name: 'weather', description: 'forecast', parameters: { type: 'OBJECT', properties: {} } })
  })

  test('a tool loop is sent as model functionCall parts (with signature) and functionResponse parts', async () => {
    fake.queue({ text: ['ok'] })
    await collect(
      adapter.stream(
        req({
          messages: [
            { role: 'user', content: 'dim', images: [{ mime: 'image/png', data: TINY_PNG }] },
            { role: 'assistant', content: '', toolCalls: [{ id: 'fc1', name: 'home.set_state', args: { b: 1 }, signature: 'sig-g' }] },
            { role: 'tool', toolCallId: 'fc1', name: 'home.set_state', content: '{"ok":true}' },
          ],
        }),
      ),
    )
    const { contents } = fake.requests[0]!.body
    expect(contents[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: TINY_PNG } })
    expect(contents[1].role).toBe('model')
    expect(contents[1].parts[0].thoughtSignature).toBe('sig-g')
    expect(contents[1].parts[0].functionCall).toMatchObject({ id: 'fc1', args: { b: 1 } })
    expect(contents[2].parts[0].functionResponse).toMatchObject({ id: 'fc1', response: { result: '{"ok":true}' } })
  })

  test('inline image parts become image events; image() uses generateContent with image output', async () => {
    fake.queue({ text: ['A cat:'], images: [{ mime: 'image/png', data: TINY_PNG }] })
    const events = await collect(adapter.stream(req()))
    expect(events[1]).toEqual({ kind: 'image', mime: 'image/png', data: TINY_PNG })
    fake.queue({ images: [{ mime: 'image/jpeg', data: 'anBlZw==' }] })
    const img = await adapter.image!({ prompt: 'a cat', signal: signal() })
    expect(img).toEqual({ mime: 'image/jpeg', data: 'anBlZw==' })
    expect(fake.requests.at(-1)!.path).toBe('/v1/models/gemini-2.5-flash-image:generateContent')
  })

  test('an HTTP 500 with Google error JSON surfaces its status', async () => {
    fake.queue({ fail: 'http500' })
    const { error } = await drain(adapter.stream(req()))
    expect(error.status).toBe(500)
  })
})
