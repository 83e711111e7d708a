import { startAnthropicFake } from '../fakes/anthropic-server'
import type { FakeServer } from '../fakes/fake-server'
import { startGeminiFake } from '../fakes/gemini-server'
import { startOpenAIFake } from '../fakes/openai-server'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { WsClient } from './ws-client'

export type Fakes = { oa: FakeServer; an: FakeServer; ge: FakeServer }

export function startFakes(): Fakes {
  return { oa: startOpenAIFake(), an: startAnthropicFake(), ge: startGeminiFake() }
}

/** Providers `oa`, `an`, `ge` (one per kind) pointed at the stand-ins; no retries, short timeouts. */
export function providersYaml(f: Fakes): string {
  const common = 'api_key: test-key, max_retries: 0, first_token_timeout_ms: 400, timeout_ms: 5000'
  return [
    'providers:',
    `  oa: { kind: openai, base_url: "${f.oa.url}/v1", model: gpt-fake, ${common} }`,
    `  an: { kind: anthropic, base_url: "${f.an.url}", model: claude-fake, ${common} }`,
    `  ge: { kind: gemini, base_url: "${f.ge.url}", model: gemini-fake, ${common} }`,
  ].join('\n')
}

export type ChatHub = {
  hub: TestHub
  fakes: Fakes
  client(token?: string | null): Promise<WsClient>
  /** Sets config keys at run time (PATCH /api/v1/config); null unsets. */
  set(values: Record<string, unknown>): Promise<void>
  close(): Promise<void>
}

export async function startChatHub(chatYaml = 'chat: { provider: oa, persistence: { interval_ms: 50, min_chars: 100000 } }'): Promise<ChatHub> {
  const fakes = startFakes()
  const hub = await startTestHub({ yaml: `${chatYaml}\n${providersYaml(fakes)}\n` })
  const clients: WsClient[] = []
  return {
    hub,
    fakes,
    async client(token = ADMIN_TOKEN) {
      const c = await WsClient.open(hub.url, token)
      clients.push(c)
      return c
    },
    async set(values) {
      const unset = Object.entries(values).filter(([, v]) => v === null).map(([k]) => k)
      const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null))
      const res = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set, unset }) })
      if (res.status !== 200) throw new Error(`config PATCH failed: ${res.status} ${await res.text()}`)
    },
    async close() {
      for (const c of clients) c.close()
      await hub.close()
      await Promise.all(Object.values(fakes).map((f) => f.stop()))
    },
  }
}
