import { afterAll, describe, expect, test } from 'bun:test'
import { startAnthropicFake } from '../fakes/anthropic-server'
import { startGeminiFake } from '../fakes/gemini-server'
import { startOpenAIFake } from '../fakes/openai-server'

/** The stand-ins' non-streaming answers, read with the real SDKs (the OpenAI-compatible endpoint uses them). */
const oai = startOpenAIFake({ models: ['m1', 'm2'] })
const ant = startAnthropicFake()
const gem = startGeminiFake()
afterAll(() => Promise.all([oai.stop(), ant.stop(), gem.stop()]))

describe('stand-ins answer non-streaming requests in the vendor shape', () => {
  test('openai: chat.completions without stream, and models.list', async () => {
    const { default: OpenAI } = await import('openai')
    const client = new OpenAI({ apiKey: 'k', baseURL: `${oai.url}/v1`, maxRetries: 0 })
    oai.queue({ text: ['Hello', '!'], toolCalls: [{ id: 'c1', name: 'f', args: { a: 1 } }], usage: { input: 4, output: 2 } })
    const res = await client.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] })
    expect(res.choices[0]!.message.content).toBe('Hello!')
    expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'c1', function: { name: 'f', arguments: '{"a":1}' } })
    expect(res.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 })
    const models = []
    for await (const m of client.models.list()) models.push(m.id)
    expect(models).toEqual(['m1', 'm2'])
  })

  test('anthropic: messages.create without stream', async () => {
    const { default: Anthropic } = await import('@anthropic-ai/sdk')
    const client = new Anthropic({ apiKey: 'k', baseURL: ant.url, maxRetries: 0 })
    ant.queue({ text: ['Hi'], usage: { input: 3, output: 1 } })
    const res = await client.messages.create({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'Hi' })
    expect(res.usage).toMatchObject({ input_tokens: 3, output_tokens: 1 })
  })

  test('gemini: generateContent', async () => {
    const { GoogleGenAI } = await import('@google/genai')
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: gem.url } })
    gem.queue({ text: ['Hey'], usage: { input: 2, output: 1 } })
    const res = await ai.models.generateContent({ model: 'g', contents: 'hi' })
    expect(res.text).toBe('Hey')
    expect(res.usageMetadata?.totalTokenCount).toBe(3)
  })

  test('a 429 carries the vendor error shape and retry-after', async () => {
    oai.queue({ fail: 'http429' })
    const res = await fetch(`${oai.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('0')
    expect((await res.json()).error.code).toBe('rate_limit_exceeded')
  })
})
