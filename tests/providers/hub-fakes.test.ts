import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startTestHub, type TestHub } from '../helpers/hub'
import { startProviderFakes } from '../helpers/provider-fakes'
import { collect, signal } from './harness'

const fakes = startProviderFakes()
let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub({ yaml: fakes.yaml({ fallback: ['anthropic', 'gemini'] }) })
})
afterAll(async () => {
  await hub?.close()
  await fakes.stop()
})

test('a whole hub wired to the three stand-ins: services.providers streams and falls back', async () => {
  const { providers } = hub.services
  expect(providers.chain()).toEqual(['openai', 'anthropic', 'gemini'])
  fakes.openai.queue({ fail: 'http500' })
  fakes.anthropic.queue({ fail: 'http500' })
  fakes.gemini.queue({ text: ['from gemini'] })
  const events = await collect(providers.stream({ request: { messages: [{ role: 'user', content: 'hi' }], signal: signal() } }))
  expect(events[0]).toMatchObject({ kind: 'provider', provider: 'gemini', model: 'gemini-fake' })
  expect(events[1]).toEqual({ kind: 'text', delta: 'from gemini' })
  expect(hub.logs.some((l) => l.includes('provider failed before its first event'))).toBe(true)
})
