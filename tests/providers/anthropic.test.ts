import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { createAnthropicAdapter } from '../../src/providers/anthropic'
import type { ChatRequest } from '../../src/providers/types'
import { startAnthropicFake } from '../fakes/anthropic-server'
import { TINY_PNG } from '../fakes/openai-server'
import { collect, drain, signal } from './harness'

const fake = startAnthropicFake()
afterAll(() => fake.stop())
beforeEach(() => fake.reset())

const base = { name: 'claude', kind: 'anthropic' as const, model: 'claude-fake', api_key: 'sk-ant-test', base_url: fake.url, timeout_ms: 5000, first_token_timeout_ms: 1000, max_retries: 0 }
const plain = await createAnthropicAdapter({ ...base, temperature: 0.5 })
const thinker = await createAnthropicAdapter({ ...base, thinking_tokens: 2000 })

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-fake',
  messages: [
    { role: 'system', content: 'You are the assistant of this home.' },
    { role: 'user', content: 'hi' },
  ],
  signal: signal(),
  ...over,
})

describe('anthropic adapter against the stand-in', () => {
  test('streams text with usage from message_start and message_delta; system prompt goes separately', async () => {
    fake.queue({ text: ['Hel', 'lo'], usage: { input: 21, output: 4 } })
    expect(await collect(plain.stream(req()))).toEqual([
      { kind: 'text', delta: 'Hel' },
      { kind: 'text', delta: 'lo' },
      { kind: 'done', usage: { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 }, stop: 'end' },
    ])
    const body = fake.bodies('/v1/messages')[0]
    expect(body.system).toBe('You are the assistant of this home.')
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
    expect(body.stream).toBe(true)
    expect(body.temperature).toBe(0.5)
    expect(body.max_tokens).toBe(4096)
    expect(body.thinking).toBeUndefined()
    expect(fake.requests[0]!.headers['anthropic-version']).toBeTruthy()
  })

  test('thinking blocks stream as thinking when thinking_tokens > 0, and the signature comes with done', async () => {
    fake.queue({ thinking: ['The user', ' greets'], text: ['Hi!'], usage: { input: 5, output: 9 } })
    const events = await collect(thinker.stream(req()))
    expect(events).toEqual([
      { kind: 'thinking', delta: 'The user' },
      { kind: 'thinking', delta: ' greets' },
      { kind: 'text', delta: 'Hi!' },
      { kind: 'done', usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 }, stop: 'end', thinkingSignature: 'sig-fake' },
    ])
    const body = fake.bodies('/v1/messages')[0]
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 })
    expect(body.max_tokens).toBeGreaterThan(2000)
    // Anthropic refuses temperature together with thinking.
    expect(body.temperature).toBeUndefined()
  })

  test('parallel tool_use blocks with input_json_delta pieces are assembled; tools sent as input_schema', async () => {
    fake.queue({
      text: ['Dimming.'],
      toolCalls: [
        { id: 'toolu_a', name: 'home.set_state', args: { device: 'lamp', brightness: 30 } },
        { id: 'toolu_b', name: 'memory_search', args: { query: 'lamp habits' } },
      ],
    })
    const tools = [
      { name: 'home.set_state', description: 'set', inputSchema: { $schema: 'x', type: 'object', properties: { device: { type: 'string' } }, required: ['device'], additionalProperties: false } },
      { name: 'memory_search', description: 'search', inputSchema: { type: 'object', properties: {} } },
    ]
    const events = await collect(plain.stream(req({ tools })))
    expect(events.filter((e) => e.kind === 'tool-call')).toEqual([
      { kind: 'tool-call', id: 'toolu_a', name: 'home.set_state', args: { device: 'lamp', brightness: 30 } },
      { kind: 'tool-call', id: 'toolu_b', name: 'memory_search', args: { query: 'lamp habits' } },
    ])
    expect(events.at(-1)).toMatchObject({ kind: 'done', stop: 'tool_calls' })
    const sent = fake.bodies('/v1/messages')[0].tools
    expect(sent[0].name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
    expect(sent[0].input_schema).toEqual({ type: 'object', properties: { device: { type: 'string' } }, required: ['device'], additionalProperties: false })
    expect(sent[1]).toEqual({ name: 'memory_search', description: 'search', input_schema: { type: 'object', properties: {} } })
  })

  test('a tool loop: assistant tool_use (with replayed thinking) and all tool results in one user turn', async () => {
    fake.queue({ text: ['Done.'] })
    await collect(
      thinker.stream(
        req({
          messages: [
            { role: 'user', content: 'lights?', images: [{ mime: 'image/png', data: TINY_PNG }] },
            {
              role: 'assistant',
              content: '',
              thinking: 'check both',
              thinkingSignature: 'sig-1',
              toolCalls: [
                { id: 't1', name: 'home.get', args: { device: 'a' } },
                { id: 't2', name: 'home.get', args: { device: 'b' } },
              ],
            },
            { role: 'tool', toolCallId: 't1', name: 'home.get', content: 'on' },
            { role: 'tool', toolCallId: 't2', name: 'home.get', content: 'boom', isError: true },
          ],
        }),
      ),
    )
    const { messages } = fake.bodies('/v1/messages')[0]
    expect(messages).toHaveLength(3)
    expect(messages[0].content[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG } })
    expect(messages[1].role).toBe('assistant')
    expect(messages[1].content[0]).toEqual({ type: 'thinking', thinking: 'check both', signature: 'sig-1' })
    expect(messages[1].content[1]).toMatchObject({ type: 'tool_use', id: 't1', input: { device: 'a' } })
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'on' },
        { type: 'tool_result', tool_use_id: 't2', content: 'boom', is_error: true },
      ],
    })
  })

  test('an HTTP 500 with Anthropic error JSON surfaces its status', async () => {
    fake.queue({ fail: 'http500' })
    const { error } = await drain(plain.stream(req()))
    expect(error.status).toBe(500)
  })

  test('malformed tool input JSON is a clear error', async () => {
    fake.queue({ toolCalls: [{ name: 'lights', args: '{"on":' }] })
    const { error } = await drain(plain.stream(req()))
    expect(error.message).toMatch(/malformed JSON arguments for tool "lights"/)
  })
})
