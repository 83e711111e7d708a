import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { NotFound, ProviderUnavailable } from '../../src/core/errors'
import { streamWithFallback } from '../../src/providers/fallback'
import { ProviderCancelled, ProviderFailed, ProviderFailedMidStream } from '../../src/providers/types'
import { startAnthropicFake } from '../fakes/anthropic-server'
import { startGeminiFake } from '../fakes/gemini-server'
import { startOpenAIFake } from '../fakes/openai-server'
import { collect, drain, makeService, signal, until } from './harness'

const oai = startOpenAIFake()
const ant = startAnthropicFake()
const gem = startGeminiFake()
afterAll(() => Promise.all([oai.stop(), ant.stop(), gem.stop()]))
beforeEach(() => [oai, ant, gem].forEach((f) => f.reset()))

const limits = { timeout_ms: 3000, first_token_timeout_ms: 1000, max_retries: 2 }
const { svc, config, logs } = makeService({
  providers: {
    local: { kind: 'openai', base_url: `${oai.url}/v1`, model: 'llama', ...limits },
    claude: { kind: 'anthropic', base_url: ant.url, api_key: 'sk-ant-x', model: 'claude-fake', ...limits },
    gem: { kind: 'gemini', base_url: gem.url, api_key: 'AIza-x', model: 'gemini-fake', ...limits },
    nokey: { kind: 'anthropic', model: 'claude-fake' },
  },
  chat: { provider: 'local', fallback: ['claude', 'gem'] },
})

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] }

describe('ProviderService: every kind streams through the same wrapper', () => {
  for (const [name, fake] of [['local', oai], ['claude', ant], ['gem', gem]] as const) {
    test(`${name} streams text and usage`, async () => {
      fake.queue({ text: ['Hi', ' there'], usage: { input: 3, output: 2 } })
      const p = svc.get(name)
      const events = await collect(p.stream({ ...ask, model: p.model, signal: signal() }))
      expect(events.filter((e) => e.kind === 'text').map((e) => (e as { delta: string }).delta).join('')).toBe('Hi there')
      expect(events.at(-1)).toMatchObject({ kind: 'done', usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })
    })
  }

  test('get(name, model) uses that model for the call', async () => {
    const p = svc.get('local', 'qwen')
    expect(p.model).toBe('qwen')
    await collect(p.stream({ ...ask, model: p.model, signal: signal() }))
    expect(oai.bodies('/chat/completions')[0].model).toBe('qwen')
  })
})

describe('errors that say how to fix them', () => {
  test('unknown provider lists the configured ones', () => {
    expect(() => svc.get('nope')).toThrow(ProviderUnavailable)
    expect(() => svc.get('nope')).toThrow('unknown provider "nope"; configured: local, claude, gem, nokey')
  })

  test('a provider without a key names the config key and env var', () => {
    expect(() => svc.get('nokey')).toThrow(/providers\.nokey\.api_key.*NOKEY_API_KEY/)
  })

  test('only OpenAI-compatible servers on this machine or the LAN may go without a key', () => {
    const { svc: s } = makeService({
      providers: {
        ollama: { kind: 'openai', base_url: 'http://127.0.0.1:11434/v1', model: 'm' },
        lmstudio: { kind: 'openai', base_url: 'http://pc.lan:1234/v1', model: 'm' },
        vllm: { kind: 'openai', base_url: 'http://192.168.1.20:8000/v1', model: 'm' },
        groq: { kind: 'openai', base_url: 'https://api.groq.com/openai/v1', model: 'm' },
        openai: { kind: 'openai', model: 'm' },
      },
    })
    const problems = Object.fromEntries(s.list().map((p) => [p.name, p.problem ?? null]))
    expect(problems.ollama).toBeNull()
    expect(problems.lmstudio).toBeNull()
    expect(problems.vllm).toBeNull()
    expect(problems.groq).toContain('GROQ_API_KEY')
    expect(problems.openai).toContain('OPENAI_API_KEY')
    // Only the active provider's key decides health; the others are listed.
    expect(s.health()).toMatchObject({ status: 'ok', active: 'ollama', missing_keys: ['groq', 'openai'] })
    s.use('groq')
    expect(s.health()).toMatchObject({ status: 'degraded', error: 'the active provider "groq" has no API key' })
  })

  test('no providers at all says how to add one', () => {
    const empty = makeService({}).svc
    expect(empty.active()).toBeNull()
    expect(() => empty.get('x')).toThrow(/no provider is configured: add one under "providers:" in config\/hearth.yaml/)
    expect(empty.health()).toMatchObject({ status: 'disabled', configured: 0 })
  })
})

describe('resilience', () => {
  test('a 500 before the first token is retried with backoff, then the answer streams', async () => {
    oai.queue({ fail: 'http500' }, { fail: 'http429' }, { text: ['fine'] })
    const events = await collect(svc.get('local').stream({ ...ask, model: 'llama', signal: signal() }))
    expect(events[0]).toEqual({ kind: 'text', delta: 'fine' })
    expect(oai.requests).toHaveLength(3)
  })

  test('retries stop at max_retries with a typed error carrying the status', async () => {
    oai.queue({ fail: 'http500' }, { fail: 'http500' }, { fail: 'http500' }, { text: ['never'] })
    const { error } = await drain(svc.get('local').stream({ ...ask, model: 'llama', signal: signal() }))
    expect(error).toBeInstanceOf(ProviderFailed)
    expect(error).toMatchObject({ code: 'upstream_failed', upstreamStatus: 500, partial: false, provider: 'local' })
    expect(error.message).toContain('scripted')
    expect(oai.requests).toHaveLength(3)
  })

  for (const [name, fake] of [['local', oai], ['claude', ant], ['gem', gem]] as const) {
    test(`${name}: a drop mid-stream is ProviderFailedMidStream with the partial flag, never retried`, async () => {
      fake.queue({ text: ['Half an ', 'answer'], fail: 'drop' })
      const { events, error } = await drain(svc.get(name).stream({ ...ask, model: 'm', signal: signal() }))
      expect(events.map((e) => (e as { delta?: string }).delta).join('')).toBe('Half an answer')
      expect(error).toBeInstanceOf(ProviderFailedMidStream)
      expect(error).toMatchObject({ partial: true, provider: name, code: 'upstream_failed' })
      expect(fake.requests).toHaveLength(1)
    })

    test(`${name}: garbage after text is a mid-stream failure; garbage first is retried`, async () => {
      fake.queue({ text: ['ok so far'], fail: 'garbage' })
      const mid = await drain(svc.get(name).stream({ ...ask, model: 'm', signal: signal() }))
      expect(mid.error).toBeInstanceOf(ProviderFailedMidStream)
      fake.queue({ fail: 'garbage' }, { text: ['recovered'] })
      const again = await collect(svc.get(name).stream({ ...ask, model: 'm', signal: signal() }))
      expect(again[0]).toEqual({ kind: 'text', delta: 'recovered' })
      // The SDKs' own complaints land in our log (not on the console), without the payload.
      if (name !== 'gem') expect(logs.some((l) => l.includes('sdk: Could not parse message into JSON') && !l.includes('this is not json'))).toBe(true)
    })
  }

  test('a hanging provider hits first_token_timeout_ms on time and is not retried', async () => {
    const { svc: quick } = makeService({ providers: { slow: { kind: 'openai', base_url: `${oai.url}/v1`, model: 'm', first_token_timeout_ms: 300, max_retries: 2 } } })
    oai.queue({ fail: 'hang' })
    const t0 = performance.now()
    const { error } = await drain(quick.get('slow').stream({ ...ask, model: 'm', signal: signal() }))
    const took = performance.now() - t0
    expect(error).toMatchObject({ code: 'timeout', status: 504, partial: false })
    expect(error.message).toContain('first_token_timeout_ms')
    expect(took).toBeGreaterThanOrEqual(290)
    // Far below the 30 s default; the slack absorbs a loaded CI box.
    expect(took).toBeLessThan(1500)
    expect(oai.requests).toHaveLength(1)
    await until(() => oai.requests[0]!.aborted)
  })

  test('a stream that stalls mid-answer hits timeout_ms as a mid-stream failure', async () => {
    const { svc: quick } = makeService({ providers: { slow: { kind: 'openai', base_url: `${oai.url}/v1`, model: 'm', timeout_ms: 300 } } })
    oai.queue({ text: ['partial'], fail: 'stall' })
    const { events, error } = await drain(quick.get('slow').stream({ ...ask, model: 'm', signal: signal() }))
    expect(events).toEqual([{ kind: 'text', delta: 'partial' }])
    expect(error).toBeInstanceOf(ProviderFailedMidStream)
    expect(error).toMatchObject({ code: 'timeout', partial: true })
  })

  for (const [name, fake] of [['local', oai], ['claude', ant], ['gem', gem]] as const) {
    test(`${name}: abort stops the stream and the stand-in sees the connection closed`, async () => {
      fake.queue({ text: ['one', 'two', 'three', 'four', 'five'], delayMs: 100 })
      const ctl = new AbortController()
      const got: string[] = []
      const { error } = await drain(
        (async function* () {
          for await (const e of svc.get(name).stream({ ...ask, model: 'm', signal: ctl.signal })) {
            if (e.kind === 'text') got.push(e.delta)
            if (got.length === 1) ctl.abort()
            yield e
          }
        })(),
      )
      expect(got).toEqual(['one'])
      expect(error).toBeInstanceOf(ProviderCancelled)
      expect(error.partial).toBe(true)
      await until(() => fake.requests[0]!.aborted)
    })
  }
})

describe('streamWithFallback', () => {
  test('the active provider answers: a provider marker, then its events', async () => {
    oai.queue({ text: ['hello'] })
    const events = await collect(svc.stream({ request: { ...ask, signal: signal() } }))
    expect(events[0]).toEqual({ kind: 'provider', provider: 'local', model: 'llama' })
    expect(events[1]).toEqual({ kind: 'text', delta: 'hello' })
  })

  test('a provider failing before its first token falls back to the next, which is announced', async () => {
    oai.queue({ fail: 'http500' }, { fail: 'http500' }, { fail: 'http500' })
    ant.queue({ text: ['from claude'] })
    const events = await collect(streamWithFallback(svc, { request: { ...ask, signal: signal() } }))
    expect(events[0]).toMatchObject({ kind: 'provider', provider: 'claude', model: 'claude-fake', fallbackFrom: [{ provider: 'local', code: 'upstream_failed' }] })
    expect(events[1]).toEqual({ kind: 'text', delta: 'from claude' })
    expect(oai.requests).toHaveLength(3)
  })

  test('a per-request provider and model go first; fallbacks keep their own models', async () => {
    gem.queue({ fail: 'http500' }, { fail: 'http500' }, { fail: 'http500' })
    oai.queue({ text: ['x'] })
    ant.queue({ text: ['y'] })
    const events = await collect(streamWithFallback(svc, { provider: 'gem', model: 'gemini-pro', request: { ...ask, signal: signal() } }))
    expect(gem.requests[0]!.path).toContain('gemini-pro')
    expect(events[0]).toMatchObject({ kind: 'provider', provider: 'claude', model: 'claude-fake' })
  })

  test('asking for a provider that does not exist is an error listing the real ones, not a fallback', async () => {
    const { error } = await drain(streamWithFallback(svc, { provider: 'gpt5', request: { ...ask, signal: signal() } }))
    expect(error).toBeInstanceOf(ProviderUnavailable)
    expect(error.message).toBe('unknown provider "gpt5"; configured: local, claude, gem, nokey')
    expect(oai.requests.length + ant.requests.length + gem.requests.length).toBe(0)
  })

  test('a fallback without a key is skipped with its reason', async () => {
    config.set('chat.fallback', ['nokey', 'gem'])
    try {
      oai.queue({ fail: 'http500' }, { fail: 'http500' }, { fail: 'http500' })
      gem.queue({ text: ['g'] })
      const events = await collect(streamWithFallback(svc, { request: { ...ask, signal: signal() } }))
      expect(events[0]).toMatchObject({ kind: 'provider', provider: 'gem' })
      const from = (events[0] as { fallbackFrom: { provider: string; code: string; error: string }[] }).fallbackFrom
      expect(from.map((f) => [f.provider, f.code])).toEqual([['local', 'upstream_failed'], ['nokey', 'provider_unavailable']])
    } finally {
      config.set('chat.fallback', ['claude', 'gem'])
    }
  })

  test('a failure after the first token is thrown as ProviderFailedMidStream, no fallback', async () => {
    oai.queue({ text: ['partial'], fail: 'drop' })
    const { events, error } = await drain(streamWithFallback(svc, { request: { ...ask, signal: signal() } }))
    expect(events.map((e) => e.kind)).toEqual(['provider', 'text'])
    expect(error).toBeInstanceOf(ProviderFailedMidStream)
    expect(ant.requests).toHaveLength(0)
  })

  test('continueOnFailure: interrupted, then the next provider continues from the partial answer', async () => {
    oai.queue({ text: ['The answer is'], fail: 'drop' })
    ant.queue({ text: [' 42.'] })
    const events = await collect(streamWithFallback(svc, { continueOnFailure: true, request: { ...ask, signal: signal() } }))
    expect(events.map((e) => e.kind)).toEqual(['provider', 'text', 'interrupted', 'provider', 'text', 'done'])
    expect(events[3]).toMatchObject({ provider: 'claude', continued: true })
    const sent = ant.bodies('/v1/messages')[0].messages
    expect(sent[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The answer is' }] })
    expect(sent[2].content[0].text).toContain('Continue it exactly where it stopped')
  })

  test('when the whole chain fails, the error lists every provider', async () => {
    oai.defaultTurn = ant.defaultTurn = gem.defaultTurn = { fail: 'http500' }
    try {
      const { error } = await drain(streamWithFallback(svc, { request: { ...ask, signal: signal() } }))
      expect(error).toBeInstanceOf(ProviderFailed)
      expect(error.message).toMatch(/every provider in the chain failed before answering \(local: .*; claude: .*; gem: .*\)/)
    } finally {
      oai.defaultTurn = ant.defaultTurn = gem.defaultTurn = { text: ['ok'] }
    }
  })

  test('no providers configured: the error says how to add one', async () => {
    const { error } = await drain(streamWithFallback(makeService({}).svc, { request: { ...ask, signal: signal() } }))
    expect(error).toBeInstanceOf(ProviderUnavailable)
    expect(error.message).toContain('config/hearth.yaml')
  })
})

describe('runtime switching', () => {
  test('use() switches the active provider (and model) for the next call; unknown names are refused', async () => {
    svc.use('claude', 'claude-next')
    try {
      expect(svc.active()).toEqual({ name: 'claude', model: 'claude-next' })
      expect(svc.chain()).toEqual(['claude', 'gem'])
      expect(config.current.chat.provider).toBe('claude')
      ant.queue({ text: ['new'] })
      const events = await collect(streamWithFallback(svc, { request: { ...ask, signal: signal() } }))
      expect(events[0]).toEqual({ kind: 'provider', provider: 'claude', model: 'claude-next' })
      expect(ant.bodies('/v1/messages')[0].model).toBe('claude-next')
      expect(() => svc.use('ghost')).toThrow(NotFound)
    } finally {
      config.setMany({ 'chat.provider': 'local', 'providers.claude.model': 'claude-fake' })
    }
  })

  test('a changed provider config drops the cached client: the next call goes to the new base_url', async () => {
    const other = startOpenAIFake()
    try {
      oai.queue({ text: ['old'] })
      await collect(svc.get('local').stream({ ...ask, model: 'llama', signal: signal() }))
      config.set('providers.local.base_url', `${other.url}/v1`)
      other.queue({ text: ['new'] })
      const events = await collect(svc.get('local').stream({ ...ask, model: 'llama', signal: signal() }))
      expect(events[0]).toEqual({ kind: 'text', delta: 'new' })
      expect(other.requests).toHaveLength(1)
    } finally {
      config.set('providers.local.base_url', `${oai.url}/v1`)
      await other.stop()
    }
  })
})

describe('images through the service', () => {
  test('an openai provider makes an image via the Images API; image_model is used', async () => {
    config.set('providers.local.image_model', 'dall-e-fake')
    try {
      const img = await svc.get('local').image!({ prompt: 'a lamp', signal: signal() })
      expect(img.mime).toBe('image/png')
      expect(img.data.length).toBeGreaterThan(10)
      expect(oai.bodies('/images/generations')[0]).toMatchObject({ model: 'dall-e-fake', prompt: 'a lamp' })
    } finally {
      config.unset('providers.local.image_model')
    }
  })

  test('an anthropic provider says it cannot make images and which kinds can', async () => {
    await expect(svc.get('claude').image!({ prompt: 'x', signal: signal() })).rejects.toThrow(/cannot make images; pick an openai or gemini provider/)
  })
})
