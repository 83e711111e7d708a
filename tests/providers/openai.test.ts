import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { createOpenAIAdapter } from '../../src/providers/openai'
import type { ChatEvent, ChatRequest } from '../../src/providers/types'
import { startOpenAIFake, TINY_PNG } from '../fakes/openai-server'

const fake = startOpenAIFake()
afterAll(() => fake.stop())
beforeEach(() => fake.reset())

const adapter = await createOpenAIAdapter({
  name: 'local',
  kind: 'openai',
  model: 'fake-model',
  base_url: `${fake.url}/v1`,
  temperature: 0.3,
  max_tokens: 50,
  timeout_ms: 5000,
  first_token_timeout_ms: 1000,
  max_retries: 0,
})

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'fake-model',
  messages: [{ role: 'user', content: 'hi' }],
  signal: new AbortController().signal,
  ...over,
})

async function collect(it: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = []
  for await (const e of it) out.push(e)
  return out
}

describe('openai adapter against the stand-in', () => {
  test('streams text, reasoning_content as thinking, and usage', async () => {
    fake.queue({ thinking: ['Let me', ' think'], text: ['Hel', 'lo', '!'], usage: { input: 11, output: 3 } })
    const events = await collect(adapter.stream(req()))
    expect(events).toEqual([
      { kind: 'thinking', delta: 'Let me' },
      { kind: 'thinking', delta: ' think' },
      { kind: 'text', delta: 'Hel' },
      { kind: 'text', delta: 'lo' },
      { kind: 'text', delta: '!' },
      { kind: 'done', usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 }, stop: 'end' },
    ])
    const body = fake.bodies('/chat/completions')[0]
    expect(body.stream).toBe(true)
    expect(body.stream_options).toEqual({ include_usage: true })
    expect(body.temperature).toBe(0.3)
    // A compatible server (base_url set) gets max_tokens, which they all understand.
    expect(body.max_tokens).toBe(50)
  })

  test('OpenRouter-style `reasoning` deltas are thinking too', async () => {
    fake.queue({ thinking: ['hmm'], text: ['ok'], reasoningField: 'reasoning' })
    const events = await collect(adapter.stream(req()))
    expect(events.slice(0, 2)).toEqual([
      { kind: 'thinking', delta: 'hmm' },
      { kind: 'text', delta: 'ok' },
    ])
  })

  test('parallel tool calls split across deltas are assembled with parsed args and original names', async () => {
    fake.queue({
      toolCalls: [
        { id: 'call_a', name: 'home.set_state', args: { device: 'lamp', brightness: 30, nested: { on: true } } },
        { id: 'call_b', name: 'memory_search', args: { query: 'milk' } },
      ],
    })
    const tools = [
      { name: 'home.set_state', description: 'set a device', inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { device: { type: 'string' } }, required: ['device'] } },
      { name: 'memory_search', description: 'search', inputSchema: { type: 'object', properties: { query: { type: 'string' } } } },
    ]
    const events = await collect(adapter.stream(req({ tools })))
    expect(events).toEqual([
      { kind: 'tool-call', id: 'call_a', name: 'home.set_state', args: { device: 'lamp', brightness: 30, nested: { on: true } } },
      { kind: 'tool-call', id: 'call_b', name: 'memory_search', args: { query: 'milk' } },
      { kind: 'done', usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, stop: 'tool_calls' },
    ])
    const sent = fake.bodies('/chat/completions')[0].tools
    expect(sent[0].type).toBe('function')
    expect(sent[0].function.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    expect(sent[0].function.parameters).toEqual({ type: 'object', properties: { device: { type: 'string' } }, required: ['device'] })
    expect(sent[1].function.name).toBe('memory_search')
  })

  test('a tool loop is translated: assistant tool_calls and tool results', async () => {
    fake.queue({ text: ['done'] })
    await collect(
      adapter.stream(
        req({
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'dim the lamp', images: [{ mime: 'image/png', data: TINY_PNG }] },
            { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'home.set_state', args: { brightness: 30 } }] },
            { role: 'tool', toolCallId: 'c1', name: 'home.set_state', content: '{"ok":true}' },
          ],
        }),
      ),
    )
    const { messages } = fake.bodies('/chat/completions')[0]
    expect(messages[0]).toEqual({ role: 'system', content: 'be brief' })
    expect(messages[1].content[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG}` } })
    expect(messages[2].content).toBeNull()
    expect(messages[2].tool_calls[0].id).toBe('c1')
    expect(messages[2].tool_calls[0].function.arguments).toBe('{"brightness":30}')
    expect(messages[2].tool_calls[0].function.name).toMatch(/^home_set_state/)
    expect(messages[3]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '{"ok":true}' })
  })

  test('malformed tool arguments are a clear error naming the tool', async () => {
    fake.queue({ toolCalls: [{ name: 'lights', args: '{"on": tru' }] })
    await expect(collect(adapter.stream(req()))).rejects.toThrow(/malformed JSON arguments for tool "lights"/)
  })

  test('image parts from a chat model become image events', async () => {
    fake.queue({ text: ['here'], images: [{ mime: 'image/png', data: TINY_PNG }] })
    const events = await collect(adapter.stream(req()))
    expect(events[1]).toEqual({ kind: 'image', mime: 'image/png', data: TINY_PNG })
  })

  test('images API returns base64 png', async () => {
    const img = await adapter.image!({ prompt: 'a cat', signal: new AbortController().signal })
    expect(img).toEqual({ mime: 'image/png', data: TINY_PNG })
    expect(fake.bodies('/images/generations')[0]).toMatchObject({ prompt: 'a cat', n: 1 })
  })
})
