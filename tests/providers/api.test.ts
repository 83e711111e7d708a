import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../helpers/hub'
import { startOpenAIFake } from '../fakes/openai-server'

const SECRET = 'sk-live-very-secret-0123456789'
const fake = startOpenAIFake()
let hub: TestHub

beforeAll(async () => {
  hub = await startTestHub({
    yaml: [
      'chat:',
      '  provider: local',
      '  fallback: [cloud]',
      'providers:',
      `  local: { kind: openai, base_url: "${fake.url}/v1", model: llama3.2, max_retries: 0 }`,
      '  cloud: { kind: openai, api_key: "${CLOUD_KEY}", model: gpt-4o-mini }',
      '',
    ].join('\n'),
    env: { CLOUD_KEY: SECRET },
  })
})
afterAll(async () => {
  await hub?.close()
  await fake.stop()
})

describe('/api/v1/providers', () => {
  test('lists providers with the active one and has_key, never the key', async () => {
    const res = await hub.api('/api/v1/providers')
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(text).not.toContain(SECRET)
    expect(JSON.parse(text)).toEqual({
      active: { name: 'local', model: 'llama3.2' },
      fallback: ['cloud'],
      providers: [
        { name: 'local', kind: 'openai', model: 'llama3.2', base_url: `${fake.url}/v1`, has_key: false, active: true, source: 'file' },
        { name: 'cloud', kind: 'openai', model: 'gpt-4o-mini', has_key: true, active: false, source: 'file' },
      ],
    })
  })

  test('needs an admin token', async () => {
    expect((await hub.api('/api/v1/providers', { token: null })).status).toBe(401)
  })

  test('add, change, test, switch, remove a runtime provider; the key is never echoed', async () => {
    const key = 'sk-added-secret-987654321'
    const add = await hub.api('/api/v1/providers', {
      method: 'POST',
      body: JSON.stringify({ name: 'groq', kind: 'openai', base_url: `${fake.url}/v1`, api_key: key, model: 'llama-70b', temperature: 0.4 }),
    })
    const added = await add.text()
    expect(add.status).toBe(201)
    expect(added).not.toContain(key)
    expect(JSON.parse(added)).toEqual({ name: 'groq', kind: 'openai', model: 'llama-70b', base_url: `${fake.url}/v1`, has_key: true, active: false, source: 'override' })

    const dup = await hub.api('/api/v1/providers', { method: 'POST', body: JSON.stringify({ name: 'groq', kind: 'openai', model: 'x' }) })
    expect(dup.status).toBe(409)

    const put = await hub.api('/api/v1/providers/groq', { method: 'PUT', body: JSON.stringify({ model: 'llama-8b' }) })
    expect(put.status).toBe(200)
    expect((await put.json()).model).toBe('llama-8b')

    fake.queue({ text: ['OK'] })
    const tested = await (await hub.api('/api/v1/providers/groq/test', { method: 'POST' })).json()
    expect(tested).toMatchObject({ ok: true, provider: 'groq', model: 'llama-8b', reply: 'OK' })
    expect(tested.latency_ms).toBeGreaterThanOrEqual(0)
    const sent = fake.requests.at(-1)!
    expect(sent.headers.authorization).toBe(`Bearer ${key}`)
    expect(sent.body.temperature).toBe(0.4)

    const use = await hub.api('/api/v1/providers/groq/use', { method: 'POST', body: JSON.stringify({ model: 'llama-405b' }) })
    expect(await use.json()).toEqual({ active: { name: 'groq', model: 'llama-405b' } })

    const del = await hub.api('/api/v1/providers/groq', { method: 'DELETE' })
    expect(del.status).toBe(204)
    const after = await (await hub.api('/api/v1/providers')).json()
    expect(after.providers.map((p: { name: string }) => p.name)).toEqual(['local', 'cloud'])
    // The switch to the removed provider is undone: the file's choice is back.
    expect(after.active).toEqual({ name: 'local', model: 'llama3.2' })
    expect(JSON.stringify(await (await hub.api('/api/v1/config')).json())).not.toContain(key)
  })

  test('a keyless cloud provider is listed with the fix; credentials in a base_url are not shown', async () => {
    const add = await hub.api('/api/v1/providers', {
      method: 'POST',
      body: JSON.stringify({ name: 'claude', kind: 'anthropic', model: 'claude-x', base_url: 'https://bob:hunter2@proxy.lan/' }),
    })
    expect(add.status).toBe(201)
    const listed = await (await hub.api('/api/v1/providers')).text()
    expect(listed).not.toContain('hunter2')
    await hub.api('/api/v1/providers/claude', { method: 'DELETE' })
    const noKey = await hub.api('/api/v1/providers', { method: 'POST', body: JSON.stringify({ name: 'gem', kind: 'gemini', model: 'g' }) })
    expect((await noKey.json()).problem).toMatch(/no API key: set providers\.gem\.api_key .*GEM_API_KEY/)
    await hub.api('/api/v1/providers/gem', { method: 'DELETE' })
  })

  test('a provider from the YAML file cannot be deleted, and the error says so', async () => {
    const res = await hub.api('/api/v1/providers/cloud', { method: 'DELETE' })
    expect(res.status).toBe(409)
    expect((await res.json()).error.message).toMatch(/comes from the config file .*hearth\.yaml.*remove it there/)
  })

  test('bad input is refused with the reason', async () => {
    const badKind = await hub.api('/api/v1/providers', { method: 'POST', body: JSON.stringify({ name: 'x', kind: 'cohere', model: 'm' }) })
    expect(badKind.status).toBe(400)
    const badTemp = await hub.api('/api/v1/providers', { method: 'POST', body: JSON.stringify({ name: 'x', kind: 'openai', model: 'm', temperature: 7 }) })
    expect(badTemp.status).toBe(422)
    expect((await badTemp.json()).error.message).toContain('providers.x.temperature')
    const unknown = await hub.api('/api/v1/providers/ghost/use', { method: 'POST' })
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.message).toBe('unknown provider "ghost"; configured: local, cloud')
  })

  test('test reports a failing provider with its error, not a crash', async () => {
    fake.queue({ fail: 'http500' })
    const res = await (await hub.api('/api/v1/providers/local/test', { method: 'POST' })).json()
    expect(res).toMatchObject({ ok: false, provider: 'local', error: { code: 'upstream_failed' } })
    expect(res.error.message).toContain('scripted')
  })

  test('health has a providers entry', async () => {
    const body = await (await hub.api('/api/v1/health', { token: null })).json()
    expect(body.providers).toEqual({ status: 'ok', active: 'local', model: 'llama3.2', configured: 2, missing_keys: [] })
  })
})

describe('hearth provider (CLI) against a running hub', () => {
  const cli = (...args: string[]) =>
    Bun.spawnSync(['bun', 'run', join(import.meta.dir, '../../src/main.ts'), 'provider', ...args, '--data', join(hub.dir, 'data'), '--config', join(hub.dir, 'hearth.yaml')], {
      env: { ...process.env, CLOUD_KEY: SECRET, HEARTH_CONFIG: '' },
    })

  test('use switches the running server within a second; show lists it', async () => {
    const r = cli('use', 'cloud', '--model', 'gpt-4.1')
    expect(r.stderr.toString()).toBe('')
    expect(r.exitCode).toBe(0)
    expect(r.stdout.toString()).toContain('active provider: cloud (model gpt-4.1)')
    const t0 = Date.now()
    let active: unknown
    const deadline = Date.now() + 3000
    while (Date.now() < deadline) {
      active = (await (await hub.api('/api/v1/providers')).json()).active
      if ((active as { name: string }).name === 'cloud') break
      await Bun.sleep(50)
    }
    expect(active).toEqual({ name: 'cloud', model: 'gpt-4.1' })
    // The hub polls the store every 500 ms; the slack absorbs a loaded CI box.
    expect(Date.now() - t0).toBeLessThan(2000)

    const show = cli('show')
    expect(show.exitCode).toBe(0)
    const out = show.stdout.toString()
    expect(out).toContain('active: cloud (model gpt-4.1)')
    expect(out).toMatch(/\* cloud +openai +gpt-4\.1 +key set/)
    expect(out).toMatch(/  local +openai +llama3\.2 +no key needed +http/)
    expect(out).not.toContain(SECRET)
  })

  test('an unknown name is a one-line error and a non-zero exit', () => {
    const r = cli('use', 'nope')
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr.toString().trim()).toBe('hearth: unknown provider "nope"; configured: local, cloud')
  })

  test('bad usage is a one-line error with exit 2', () => {
    const r = cli('use')
    expect(r.exitCode).toBe(2)
    expect(r.stderr.toString().trim().split('\n')).toHaveLength(1)
  })
})
