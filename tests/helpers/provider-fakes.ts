import { startAnthropicFake } from '../fakes/anthropic-server'
import type { FakeServer } from '../fakes/fake-server'
import { startGeminiFake } from '../fakes/gemini-server'
import { startOpenAIFake } from '../fakes/openai-server'

export type ProviderFakes = {
  openai: FakeServer
  anthropic: FakeServer
  gemini: FakeServer
  /**
   * A `hearth.yaml` fragment (`chat:` + `providers:`) pointing one provider of each kind at the
   * stand-ins: `openai` (active), `anthropic`, `gemini`; `chat.fallback` as given. Limits are short
   * so failure tests stay fast.
   */
  yaml(opts?: { active?: string; fallback?: string[]; firstTokenMs?: number; timeoutMs?: number; retries?: number; extraChat?: string }): string
  stop(): Promise<void>
}

/** All three stand-ins at once, for tests that run a whole hub against them. */
export function startProviderFakes(): ProviderFakes {
  const openai = startOpenAIFake()
  const anthropic = startAnthropicFake()
  const gemini = startGeminiFake()
  return {
    openai,
    anthropic,
    gemini,
    yaml({ active = 'openai', fallback = [], firstTokenMs = 2000, timeoutMs = 10_000, retries = 0, extraChat = '' } = {}) {
      const limits = `first_token_timeout_ms: ${firstTokenMs}, timeout_ms: ${timeoutMs}, max_retries: ${retries}`
      return [
        'chat:',
        `  provider: ${active}`,
        `  fallback: [${fallback.join(', ')}]`,
        ...(extraChat ? [extraChat] : []),
        'providers:',
        `  openai: { kind: openai, base_url: "${openai.url}/v1", api_key: sk-test, model: gpt-fake, ${limits} }`,
        `  anthropic: { kind: anthropic, base_url: "${anthropic.url}", api_key: sk-ant-test, model: claude-fake, ${limits} }`,
        `  gemini: { kind: gemini, base_url: "${gemini.url}", api_key: AIza-test, model: gemini-fake, ${limits} }`,
        '',
      ].join('\n')
    },
    async stop() {
      await Promise.all([openai.stop(), anthropic.stop(), gemini.stop()])
    },
  }
}
