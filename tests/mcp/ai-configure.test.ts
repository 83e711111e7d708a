import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { aiConfigureTool } from '../../src/mcp/builtin/ai-configure'
import { parseConfigureRequest } from '../../src/mcp/builtin/configure-parser'
import type { ChatEvent, ChatProvider, ChatRequest, Providers } from '../../src/providers/types'
import type { ToolContext } from '../../src/mcp/types'
import { startTestHub, type TestHub } from '../helpers/hub'
import { startProviderFakes } from '../helpers/provider-fakes'

describe('ai_configure parser (no model)', () => {
  const cases: [string, unknown][] = [
    ['make it more creative', [{ kind: 'param', param: 'temperature', direction: 1 }]],
    ['Be more precise please', [{ kind: 'param', param: 'temperature', direction: -1 }]],
    ['stay more focused', [{ kind: 'param', param: 'temperature', direction: -1 }]],
    ['shorter answers', [{ kind: 'param', param: 'max_tokens', direction: -1 }]],
    ['I want longer answers', [{ kind: 'param', param: 'max_tokens', direction: 1 }]],
    ['use Claude', [{ kind: 'provider', target: 'anthropic' }]],
    ['switch to gemini', [{ kind: 'provider', target: 'gemini' }]],
    ['use ollama', [{ kind: 'provider', target: 'ollama' }]],
    ['reset', [{ kind: 'reset' }]],
    ['be more creative and give shorter answers', [
      { kind: 'param', param: 'temperature', direction: 1 },
      { kind: 'param', param: 'max_tokens', direction: -1 },
    ]],
  ]
  for (const [phrase, intents] of cases) {
    test(`"${phrase}"`, () => {
      const parsed = parseConfigureRequest(phrase)
      expect(parsed.intents).toEqual(intents as never)
      expect(parsed.confidence).toBeGreaterThan(0.5)
      expect(parsed.interpretation.length).toBeGreaterThan(5)
    })
  }
  test('nothing recognisable → no intents, zero confidence', () => {
    expect(parseConfigureRequest('what is the weather')).toMatchObject({ intents: [], confidence: 0 })
  })
})

// The providers are real but point at a closed loopback port: the model path fails at once and the
// parser answers, without ever leaving the machine.
const YAML = `
chat:
  provider: gpt
providers:
  gpt: { kind: openai, model: gpt-5-mini, api_key: sk-secret-123, temperature: 0.7, base_url: "http://127.0.0.1:9/v1", max_retries: 0 }
  claude: { kind: anthropic, model: claude-sonnet-5, base_url: "http://127.0.0.1:9", max_retries: 0 }
  local: { kind: openai, model: llama3, base_url: "http://127.0.0.1:11434/v1" }
`

let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub({ yaml: YAML })
})
afterAll(() => hub.close())
const ctx = (): ToolContext => ({ signal: new AbortController().signal, actor: 'test', surface: 'chat' })
const run = async (request: string) => {
  const res = await hub.services.tools.call('ai_configure', { request }, ctx())
  return { ...(res.structuredContent as Record<string, unknown>), isError: res.isError, text: (res.content[0] as { text: string }).text } as Record<string, unknown> & { isError?: boolean; text: string }
}

describe('ai_configure tool on a real config (parser path)', () => {
  test('creative / precise / shorter / longer change the active provider, from → to', async () => {
    expect(await run('make it more creative')).toMatchObject({ changes: [{ setting: 'providers.gpt.temperature', from: 0.7, to: 1 }], method: 'parser' })
    expect(await run('be more precise')).toMatchObject({ changes: [{ setting: 'providers.gpt.temperature', from: 1, to: 0.7 }] })
    expect(await run('shorter answers')).toMatchObject({ changes: [{ setting: 'providers.gpt.max_tokens', from: null, to: 512 }] })
    expect(await run('longer answers')).toMatchObject({ changes: [{ setting: 'providers.gpt.max_tokens', from: 512, to: 1024 }] })
    expect(hub.services.config.current.providers.gpt!.max_tokens).toBe(1024)
  })

  test('use Claude / use ollama switch providers by vendor or local server; reset drops the overrides', async () => {
    expect(await run('use Claude')).toMatchObject({ changes: [{ setting: 'chat.provider', from: 'gpt', to: 'claude' }] })
    expect(hub.services.config.current.chat.provider).toBe('claude')
    expect(await run('use ollama')).toMatchObject({ changes: [{ setting: 'chat.provider', from: 'claude', to: 'local' }] })
    const reset = await run('reset')
    expect(reset.changes).toEqual(expect.arrayContaining([{ setting: 'chat.provider', from: 'local', to: 'gpt' }]))
    expect(hub.services.config.current.chat.provider).toBe('gpt')
    expect(hub.services.config.current.providers.gpt!.temperature).toBe(0.7)
  })

  test('a provider that is not configured, or an unreadable request, is a tool error saying why', async () => {
    const gem = await run('switch to gemini')
    expect(gem.isError).toBe(true)
    expect(gem.text).toContain('no configured provider matches "gemini"')
    expect((await run('tell me a joke')).isError).toBe(true)
  })
})

/** A stand-in for the providers feature (not merged yet): answers with a fixed text stream or fails. */
function standIn(answer: string | Error): Providers {
  const provider: ChatProvider = {
    name: 'gpt',
    kind: 'openai',
    model: 'gpt-5-mini',
    async *stream(_req: ChatRequest): AsyncIterable<ChatEvent> {
      if (answer instanceof Error) throw answer
      for (const piece of [answer.slice(0, 10), answer.slice(10)]) yield { kind: 'text', delta: piece }
      yield { kind: 'done' }
    },
  }
  return {
    active: () => ({ name: 'gpt', model: 'gpt-5-mini' }),
    get: () => provider,
    list: () => [],
    use: () => {},
    chain: () => ['gpt'],
    stream: () => {
      throw new Error('ai_configure asks the active provider directly, never through the fallback chain')
    },
  }
}

describe('ai_configure with a model', () => {
  const deps = () => ({ registry: hub.services.tools, config: hub.services.config, db: hub.services.db.db, log: hub.services.log })
  test('uses the model’s JSON interpretation when it answers', async () => {
    const tool = aiConfigureTool({ ...deps(), providers: standIn('{"intents":[{"kind":"param","param":"temperature","direction":-1}],"confidence":0.93,"interpretation":"Calmer, more exact answers"}') })
    const res = await tool.handler({ request: 'tone it down a notch' }, ctx())
    expect(res.structuredContent).toMatchObject({ method: 'model', confidence: 0.93, interpretation: 'Calmer, more exact answers', changes: [{ setting: 'providers.gpt.temperature', from: 0.7, to: 0.4 }] })
    hub.services.config.unset('providers.gpt.temperature')
  })
  test('falls back to the parser when the model fails or answers nonsense', async () => {
    for (const answer of [new Error('provider down'), 'not json at all', '{"intents":[{"kind":"fly"}]}']) {
      const tool = aiConfigureTool({ ...deps(), providers: standIn(answer) })
      const res = await tool.handler({ request: 'make it more creative' }, ctx())
      expect(res.structuredContent).toMatchObject({ method: 'parser', changes: [{ setting: 'providers.gpt.temperature' }] })
      hub.services.config.unset('providers.gpt.temperature')
    }
  })
})

describe('ai_configure through the real providers service (OpenAI stand-in)', () => {
  test('the active model’s JSON answer decides; an HTTP 500 falls back to the parser', async () => {
    const fakes = startProviderFakes()
    const hubWithModel = await startTestHub({ yaml: fakes.yaml() })
    try {
      fakes.openai.queue({ text: ['{"intents":[{"kind":"param","param":"max_tokens",', '"direction":-1}],"confidence":0.9,"interpretation":"Keep answers brief"}'] })
      const viaModel = await hubWithModel.services.tools.call('ai_configure', { request: 'less waffle please' }, ctx())
      expect(viaModel.structuredContent).toMatchObject({ method: 'model', interpretation: 'Keep answers brief', changes: [{ setting: 'providers.openai.max_tokens', from: null, to: 512 }] })
      expect(JSON.stringify(fakes.openai.requests.find((r) => r.path === '/v1/chat/completions')!.body.messages)).toContain('less waffle please')

      fakes.openai.queue({ fail: 'http500' })
      const viaParser = await hubWithModel.services.tools.call('ai_configure', { request: 'make it more creative' }, ctx())
      expect(viaParser.structuredContent).toMatchObject({ method: 'parser', changes: [{ setting: 'providers.openai.temperature', from: null, to: 1 }] })
    } finally {
      await hubWithModel.close()
      await fakes.stop()
    }
  })
})
