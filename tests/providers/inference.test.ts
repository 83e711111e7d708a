import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { fakeEmbedding } from '../fakes/fake-server'
import { join } from 'node:path'
import { startHub } from '../../src/hub'
import { ModelRegistry } from '../../src/providers/model-registry'
import { modelRepo } from '../../src/providers/model-repo'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { startProviderFakes } from '../helpers/provider-fakes'

const fakes = startProviderFakes()
let hub: TestHub
let chatToken: string

beforeAll(async () => {
  hub = await startTestHub({ yaml: fakes.yaml() })
  chatToken = hub.services.auth.create({ name: 'lan-program', scopes: ['chat'] }).token
})
afterAll(async () => {
  await hub?.close()
  await fakes.stop()
})
beforeEach(() => {
  fakes.openai.reset()
  fakes.anthropic.reset()
  fakes.gemini.reset()
})

const post = (path: string, body: unknown, token?: string) => hub.api(path, { method: 'POST', body: JSON.stringify(body), ...(token ? { token } : {}) })
const register = (body: Record<string, unknown>, token?: string) => post('/api/v1/models/register', body, token)
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error

describe('registry', () => {
  test('registers a model on a configured provider, with default params and kinds', async () => {
    const res = await register({ id: 'writer', provider: 'openai', model: 'gpt-writer', params: { temperature: 0.2 }, kinds: ['chat'] })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ id: 'writer', provider: 'openai', model: 'gpt-writer', kinds: ['chat'], params: { temperature: 0.2 }, read_only: false })
    const got = await hub.api('/api/v1/models/writer')
    expect(got.status).toBe(200)
    expect(await got.json()).toMatchObject({ id: 'writer', model: 'gpt-writer' })
  })

  test('an id is generated when none is given; kinds default to chat and completion', async () => {
    const res = await register({ provider: 'gemini', model: 'gemini-other' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { id: string; kinds: string[] }
    expect(body.id).toMatch(/^mdl_/)
    expect(body.kinds).toEqual(['chat', 'completion'])
  })

  test('an unknown provider is refused, naming the configured ones', async () => {
    const res = await register({ id: 'nope', provider: 'mistral', model: 'x' })
    expect(res.status).toBe(400)
    const err = await errorOf(res)
    expect(err.message).toContain('unknown provider "mistral"')
    expect(err.message).toContain('openai, anthropic, gemini')
    expect((await hub.api('/api/v1/models/nope')).status).toBe(404)
  })

  test('a taken id is a conflict and the first registration stays', async () => {
    expect((await register({ id: 'twice', provider: 'openai', model: 'first' })).status).toBe(201)
    const res = await register({ id: 'twice', provider: 'gemini', model: 'second' })
    expect(res.status).toBe(409)
    expect((await errorOf(res)).message).toContain('"twice" is already registered')
    expect(await (await hub.api('/api/v1/models/twice')).json()).toMatchObject({ provider: 'openai', model: 'first' })
  })

  test('an embedding kind on an anthropic provider is refused at registration', async () => {
    const res = await register({ id: 'claude-emb', provider: 'anthropic', model: 'claude-fake', kinds: ['embedding'] })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).message).toContain('Anthropic has no embeddings API')
  })

  test('the list holds registered models and each provider default as read-only provider:<name>', async () => {
    await register({ id: 'listed', provider: 'anthropic', model: 'claude-listed' })
    const res = await hub.api('/api/v1/models', { token: chatToken })
    expect(res.status).toBe(200)
    const { models } = (await res.json()) as { models: { id: string; provider: string; model: string; read_only: boolean }[] }
    expect(models.find((m) => m.id === 'listed')).toMatchObject({ provider: 'anthropic', model: 'claude-listed', read_only: false })
    for (const [name, model] of [['openai', 'gpt-fake'], ['anthropic', 'claude-fake'], ['gemini', 'gemini-fake']]) {
      expect(models.find((m) => m.id === `provider:${name}`)).toMatchObject({ provider: name, model, read_only: true })
    }
  })

  test('delete removes a registered model; provider defaults cannot be deleted', async () => {
    await register({ id: 'gone', provider: 'openai', model: 'x' })
    const del = await hub.api('/api/v1/models/gone', { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect((await hub.api('/api/v1/models/gone')).status).toBe(404)
    expect((await hub.api('/api/v1/models/gone', { method: 'DELETE' })).status).toBe(404)
    const ro = await hub.api('/api/v1/models/provider:openai', { method: 'DELETE' })
    expect(ro.status).toBe(409)
    expect((await errorOf(ro)).message).toContain('read-only')
  })

  test('registrations are stored: a second hub on the same data dir lists them', async () => {
    const again = await startHub({
      configPath: join(hub.dir, 'hearth.yaml'),
      dataDir: join(hub.dir, 'data'),
      env: { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN },
      host: '127.0.0.1',
      port: 0,
      logSink: () => {},
      print: () => {},
    })
    try {
      const res = await fetch(`${again.url}/api/v1/models/writer`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(await res.json()).toMatchObject({ id: 'writer', provider: 'openai', model: 'gpt-writer', params: { temperature: 0.2 }, kinds: ['chat'] })
    } finally {
      await again.stop()
    }
  })
})

describe('health', () => {
  test('ok: a one-token real call through the provider', async () => {
    const res = await hub.api('/api/v1/health/models/provider:openai', { token: chatToken })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; latency_ms: number }
    expect(body.status).toBe('ok')
    expect(body.latency_ms).toBeGreaterThanOrEqual(0)
    expect(fakes.openai.bodies('/chat/completions')[0]).toMatchObject({ model: 'gpt-fake', max_tokens: 1 })
  })

  test('down: the provider fails, and the reason is reported', async () => {
    fakes.gemini.queue({ fail: 'http500' })
    const res = await hub.api('/api/v1/health/models/provider:gemini', { token: chatToken })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; error: string }
    expect(body.status).toBe('down')
    expect(body.error).toContain('An internal error has occurred (scripted)')
  })

  test('an embedding-only model is probed with an embedding', async () => {
    await register({ id: 'emb-health', provider: 'openai', model: 'text-embedding-fake', kinds: ['embedding'] })
    const body = (await (await hub.api('/api/v1/health/models/emb-health')).json()) as { status: string }
    expect(body.status).toBe('ok')
    expect(fakes.openai.requests.map((r) => r.path)).toEqual(['/v1/embeddings'])
  })

  test('an unknown model is 404', async () => {
    expect((await hub.api('/api/v1/health/models/nothing-here')).status).toBe(404)
  })

  test('a provider that never answers is down within the health deadline, not the provider timeouts', async () => {
    const models = new ModelRegistry({ repo: modelRepo(hub.services.db.db), providers: hub.services.providers, log: hub.services.log, healthTimeoutMs: 150 })
    fakes.openai.queue({ fail: 'hang' })
    const started = performance.now()
    const health = await models.health('provider:openai')
    expect(health).toMatchObject({ status: 'down', error: 'no answer within 150 ms' })
    expect(performance.now() - started).toBeLessThan(1500)
    for (let i = 0; i < 100 && !fakes.openai.requests[0]!.aborted; i++) await Bun.sleep(10)
    expect(fakes.openai.requests[0]!.aborted).toBe(true)
  })
})

describe('inference', () => {
  test('chat: the answer, usage, provider and model; registered params merge under the request params', async () => {
    fakes.openai.queue({ text: ['Hel', 'lo'], usage: { input: 7, output: 2 } })
    const res = await post('/api/v1/inference/chat', { model: 'writer', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], params: { max_tokens: 5 } }, chatToken)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      message: { role: 'assistant', content: 'Hello' },
      usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 },
      provider: 'openai',
      model: 'gpt-writer',
    })
    const sent = fakes.openai.bodies('/chat/completions')[0]
    expect(sent).toMatchObject({ model: 'gpt-writer', temperature: 0.2, max_tokens: 5 })
    expect(sent.messages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }])
  })

  test('chat with stream: true answers ndjson text deltas, then done with usage', async () => {
    fakes.anthropic.queue({ text: ['one ', 'two'], usage: { input: 4, output: 2 } })
    const res = await post('/api/v1/inference/chat', { model: 'provider:anthropic', messages: [{ role: 'user', content: 'count' }], stream: true }, chatToken)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.filter((l) => l.type === 'text').map((l) => l.delta).join('')).toBe('one two')
    expect(lines.at(-1)).toMatchObject({ type: 'done', usage: { prompt_tokens: 4, completion_tokens: 2 } })
  })

  test('a provider failure before the first event is a typed error with its status, streaming or not', async () => {
    fakes.openai.queue({ fail: 'http500' }, { fail: 'http500' })
    const plain = await post('/api/v1/inference/chat', { model: 'provider:openai', messages: [{ role: 'user', content: 'x' }] })
    expect(plain.status).toBe(502)
    expect((await errorOf(plain)).code).toBe('upstream_failed')
    const streamed = await post('/api/v1/inference/chat', { model: 'provider:openai', messages: [{ role: 'user', content: 'x' }], stream: true })
    expect(streamed.status).toBe(502)
    expect((await errorOf(streamed)).message).toContain('openai failed')
  })

  test('a failure mid-stream ends the ndjson with an error line after the text already sent', async () => {
    fakes.openai.queue({ text: ['partial'], fail: 'drop' })
    const res = await post('/api/v1/inference/chat', { model: 'provider:openai', messages: [{ role: 'user', content: 'x' }], stream: true })
    expect(res.status).toBe(200)
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0]).toEqual({ type: 'text', delta: 'partial' })
    expect(lines.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_failed' } })
  })

  test('completion: a prompt in, text and usage out', async () => {
    fakes.gemini.queue({ text: ['roses are red'], usage: { input: 3, output: 4 } })
    const res = await post('/api/v1/inference/completion', { model: 'provider:gemini', prompt: 'a poem' }, chatToken)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ text: 'roses are red', usage: { prompt_tokens: 3, completion_tokens: 4 }, provider: 'gemini', model: 'gemini-fake' })
  })

  test('a client that hangs up mid-stream stops the call to the provider', async () => {
    fakes.openai.queue({ text: Array.from({ length: 50 }, (_, i) => `w${i} `), delayMs: 20 })
    const res = await post('/api/v1/inference/chat', { model: 'provider:openai', messages: [{ role: 'user', content: 'long' }], stream: true })
    const reader = res.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain('"type":"text"')
    await reader.cancel()
    for (let i = 0; i < 100 && !fakes.openai.requests[0]!.aborted; i++) await Bun.sleep(10)
    expect(fakes.openai.requests[0]!.aborted).toBe(true)
  })

  test('a model whose provider was removed says so in the list, and calls are 503', async () => {
    const add = await post('/api/v1/providers', { name: 'temp', kind: 'openai', model: 'm', base_url: `${fakes.openai.url}/v1` })
    expect(add.status).toBe(201)
    expect((await register({ id: 'orphan', provider: 'temp', model: 'm' })).status).toBe(201)
    expect((await hub.api('/api/v1/providers/temp', { method: 'DELETE' })).status).toBe(204)
    expect(await (await hub.api('/api/v1/models/orphan')).json()).toMatchObject({ problem: 'provider "temp" is no longer configured' })
    const res = await post('/api/v1/inference/chat', { model: 'orphan', messages: [{ role: 'user', content: 'x' }] })
    expect(res.status).toBe(503)
    expect((await errorOf(res)).message).toContain('unknown provider "temp"')
    expect(await (await hub.api('/api/v1/health/models/orphan')).json()).toMatchObject({ status: 'down' })
  })

  test('a model registered for chat only refuses completion', async () => {
    const res = await post('/api/v1/inference/completion', { model: 'writer', prompt: 'x' })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).message).toContain('does not serve completion')
  })

  test('embedding through an openai provider: one vector per input, in order', async () => {
    await register({ id: 'emb-openai', provider: 'openai', model: 'text-embedding-3-small', kinds: ['embedding'] })
    const res = await post('/api/v1/inference/embedding', { model: 'emb-openai', input: ['kitchen light', 'hall'] }, chatToken)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { embeddings: number[][]; model: string; usage: { prompt_tokens: number } }
    expect(body.model).toBe('text-embedding-3-small')
    expect(body.embeddings).toEqual([fakeEmbedding('kitchen light'), fakeEmbedding('hall')])
    expect(body.usage.prompt_tokens).toBeGreaterThan(0)
    expect(fakes.openai.bodies('/v1/embeddings')[0]).toMatchObject({ model: 'text-embedding-3-small', input: ['kitchen light', 'hall'] })
    const one = (await (await post('/api/v1/inference/embedding', { model: 'emb-openai', input: 'hall' })).json()) as { embeddings: number[][] }
    expect(one.embeddings).toEqual([fakeEmbedding('hall')])
  })

  test('embedding through a gemini provider (batchEmbedContents)', async () => {
    await register({ id: 'emb-gemini', provider: 'gemini', model: 'text-embedding-004', kinds: ['embedding'] })
    const res = await post('/api/v1/inference/embedding', { model: 'emb-gemini', input: ['a', 'bc', 'def'] }, chatToken)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { embeddings: number[][]; model: string }
    expect(body.embeddings).toEqual(['a', 'bc', 'def'].map((t) => fakeEmbedding(t)))
    expect(fakes.gemini.requests[0]!.path).toMatch(/^\/v1(beta)?\/models\/text-embedding-004:batchEmbedContents$/)
    expect(fakes.gemini.requests[0]!.body.requests).toHaveLength(3)
  })

  test('an embedding provider failure is a typed 502', async () => {
    fakes.gemini.queue({ fail: 'http500' })
    const res = await post('/api/v1/inference/embedding', { model: 'emb-gemini', input: 'x' })
    expect(res.status).toBe(502)
    expect((await errorOf(res)).code).toBe('upstream_failed')
  })

  test('embedding on an anthropic provider is refused with a clear message, without calling it', async () => {
    const res = await post('/api/v1/inference/embedding', { model: 'provider:anthropic', input: 'x' }, chatToken)
    expect(res.status).toBe(400)
    expect((await errorOf(res)).message).toContain('Anthropic has no embeddings API')
    expect(fakes.anthropic.requests).toHaveLength(0)
  })

  test('embedding on a chat model says how to register an embedding model', async () => {
    const res = await post('/api/v1/inference/embedding', { model: 'provider:openai', input: 'x' })
    expect(res.status).toBe(400)
    expect((await errorOf(res)).message).toContain('"kinds": ["embedding"]')
  })

  test('an unknown model id is 404 on every inference route', async () => {
    for (const [path, body] of [
      ['/api/v1/inference/chat', { model: 'ghost', messages: [{ role: 'user', content: 'x' }] }],
      ['/api/v1/inference/completion', { model: 'ghost', prompt: 'x' }],
      ['/api/v1/inference/embedding', { model: 'ghost', input: 'x' }],
    ] as const) {
      const res = await post(path, body, chatToken)
      expect(res.status).toBe(404)
      expect((await errorOf(res)).message).toContain('unknown model "ghost"')
    }
  })
})

describe('access and validation', () => {
  test('a chat-only token can read and infer but not register or delete', async () => {
    expect((await post('/api/v1/inference/chat', { model: 'provider:openai', messages: [{ role: 'user', content: 'x' }] }, chatToken)).status).toBe(200)
    expect((await hub.api('/api/v1/models/writer', { token: chatToken })).status).toBe(200)
    expect((await register({ id: 'sneaky', provider: 'openai', model: 'x' }, chatToken)).status).toBe(403)
    expect((await hub.api('/api/v1/models/writer', { method: 'DELETE', token: chatToken })).status).toBe(403)
    expect((await hub.api('/api/v1/models/writer')).status).toBe(200)
    expect((await hub.api('/api/v1/models', { token: null })).status).toBe(401)
  })

  test('bad bodies are 400 naming the field', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/models/register', { id: 'ok-id', model: 'x' }, 'provider'],
      ['/api/v1/models/register', { id: 'provider:sneaky', provider: 'openai', model: 'x' }, 'id'],
      ['/api/v1/models/register', { provider: 'openai', model: 'x', kinds: ['vision'] }, 'kinds'],
      ['/api/v1/models/register', { provider: 'openai', model: 'x', params: { temperature: 9 } }, 'params.temperature'],
      ['/api/v1/inference/chat', { model: 'writer' }, 'messages'],
      ['/api/v1/inference/chat', { model: 'writer', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
      ['/api/v1/inference/completion', { model: 'writer' }, 'prompt'],
      ['/api/v1/inference/embedding', { model: 'emb-openai', input: 42 }, 'input'],
      ['/api/v1/inference/embedding', { model: 'emb-openai', input: [] }, 'input'],
    ]
    for (const [path, body, field] of cases) {
      const res = await post(path, body)
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
      expect((await errorOf(res)).message, `${path} ${JSON.stringify(body)}`).toContain(field)
    }
    const malformed = await hub.api('/api/v1/inference/chat', { method: 'POST', body: '{not json' })
    expect(malformed.status).toBe(400)
    expect(fakes.openai.requests).toHaveLength(0)
  })
})
