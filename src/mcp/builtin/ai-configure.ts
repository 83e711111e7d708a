import { t } from 'elysia'
import { JsonValue } from './schema'
import { errorMessage } from '../../core/errors'
import type { ChatEvent } from '../../providers/types'
import { errorResult, jsonResult, type ToolDefinition } from '../types'
import { parseConfigureRequest, type ConfigureIntent, type ParsedRequest } from './configure-parser'
import { activeProvider, type BuiltinDeps } from './deps'

const Input = t.Object({ request: t.String({ minLength: 1, maxLength: 2000, description: 'What to change, in plain language' }) })
const Change = t.Object({ setting: t.String(), from: JsonValue(), to: JsonValue() })
const Output = t.Object({
  changes: t.Array(Change),
  confidence: t.Number({ minimum: 0, maximum: 1 }),
  interpretation: t.String(),
  method: t.Union([t.Literal('model'), t.Literal('parser')]),
})

const DEFAULT_TEMPERATURE = 0.7
const DEFAULT_MAX_TOKENS = 1024
const MODEL_TIMEOUT_MS = 10_000
const PARAM_KEYS = /^(providers\.[^.]+\.(temperature|top_p|max_tokens)|chat\.provider)$/

const SYSTEM = `You turn a request about how an assistant should behave into settings changes.
Answer with one JSON object and nothing else:
{"intents":[{"kind":"param","param":"temperature"|"max_tokens","direction":1|-1} | {"kind":"provider","target":"anthropic"|"openai"|"gemini"|"ollama"|<provider name>} | {"kind":"reset"}],
 "confidence": number between 0 and 1, "interpretation": "one short sentence"}
direction 1 means more creative (temperature) or longer answers (max_tokens); -1 the opposite.`

/** `ai_configure`: plain language → settings. A model interprets when one answers, the parser otherwise. */
export function aiConfigureTool(deps: BuiltinDeps): ToolDefinition {
  return {
    name: 'ai_configure',
    title: 'Configure the assistant',
    description:
      'Change how the assistant answers from a plain-language request ("make it more creative", "shorter answers", "be more precise", "use Claude", "reset"). Returns each setting changed (from → to), a confidence and the interpretation.',
    inputSchema: Input,
    outputSchema: Output,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    source: 'builtin',
    keywords: ['settings', 'temperature', 'creative', 'precise', 'length', 'provider', 'model'],
    async handler(args, ctx) {
      const request = String(args.request)
      const viaModel = await interpretWithModel(deps, request, ctx.signal).catch((err) => {
        deps.log.debug('ai_configure: model interpretation failed, using the parser', { error: errorMessage(err) })
        return null
      })
      const parsed = viaModel ?? parseConfigureRequest(request)
      if (parsed.intents.length === 0) return errorResult(`could not tell what to change from "${request}"; try "more creative", "shorter answers", "use Claude" or "reset"`)
      try {
        const changes = apply(deps, parsed.intents)
        return jsonResult({ changes, confidence: parsed.confidence, interpretation: parsed.interpretation, method: viaModel ? 'model' : 'parser' })
      } catch (err) {
        return errorResult(`ai_configure: ${errorMessage(err)}`)
      }
    },
  }
}

async function interpretWithModel(deps: BuiltinDeps, request: string, signal: AbortSignal): Promise<ParsedRequest | null> {
  const active = deps.providers?.active()
  if (!deps.providers || !active) return null
  const provider = deps.providers.get(active.name, active.model)
  let text = ''
  const events: AsyncIterable<ChatEvent> = provider.stream({
    model: active.model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: request },
    ],
    params: { temperature: 0 },
    json: true,
    signal: AbortSignal.any([signal, AbortSignal.timeout(MODEL_TIMEOUT_MS)]),
  })
  for await (const ev of events) if (ev.kind === 'text') text += ev.delta
  const json = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Record<string, unknown>
  const intents = (Array.isArray(json.intents) ? json.intents : []).filter(isIntent)
  if (intents.length === 0) return null
  const confidence = typeof json.confidence === 'number' ? Math.min(1, Math.max(0, json.confidence)) : 0.6
  return { intents, confidence, interpretation: typeof json.interpretation === 'string' ? json.interpretation : 'model interpretation' }
}

function isIntent(v: unknown): v is ConfigureIntent {
  const i = v as Record<string, unknown>
  if (!i || typeof i !== 'object') return false
  if (i.kind === 'reset') return true
  if (i.kind === 'provider') return typeof i.target === 'string' && i.target.length > 0
  return i.kind === 'param' && (i.param === 'temperature' || i.param === 'max_tokens') && (i.direction === 1 || i.direction === -1)
}

type Change = { setting: string; from: unknown; to: unknown }

function apply(deps: BuiltinDeps, intents: ConfigureIntent[]): Change[] {
  const { config } = deps
  if (intents.some((i) => i.kind === 'reset')) {
    const keys = config.overrideKeys().filter((k) => PARAM_KEYS.test(k))
    return keys.flatMap((k) => config.unset(k)).map((c) => ({ setting: c.key, from: c.from, to: c.to }))
  }
  const changes: Change[] = []
  let provider = activeProvider(deps)
  for (const intent of intents.filter((i) => i.kind === 'provider')) {
    const target = resolveProvider(deps, intent.target)
    if (target !== provider) {
      if (deps.providers) deps.providers.use(target)
      else config.set('chat.provider', target)
      changes.push({ setting: 'chat.provider', from: provider, to: target })
      provider = target
    }
  }
  for (const intent of intents) {
    if (intent.kind !== 'param') continue
    if (!provider) throw new Error('no provider is configured, so there is nothing to tune')
    const key = `providers.${provider}.${intent.param}`
    const from = config.current.providers[provider]?.[intent.param]
    const to = intent.param === 'temperature' ? nextTemperature(from, intent.direction) : nextMaxTokens(from, intent.direction)
    if (to === from) continue
    config.set(key, to)
    changes.push({ setting: key, from: from ?? null, to })
  }
  return changes
}

const nextTemperature = (from: number | undefined, dir: 1 | -1) => Math.round(Math.min(1.5, Math.max(0, (from ?? DEFAULT_TEMPERATURE) + dir * 0.3)) * 100) / 100
const nextMaxTokens = (from: number | undefined, dir: 1 | -1) =>
  Math.min(32_768, Math.max(64, Math.round(dir === 1 ? (from ?? DEFAULT_MAX_TOKENS) * 2 : (from ?? DEFAULT_MAX_TOKENS) / 2)))

/** A provider name, a vendor kind, or a local server word ("ollama") → a configured provider's name. */
function resolveProvider(deps: BuiltinDeps, target: string): string {
  const providers = deps.config.current.providers
  const names = Object.keys(providers)
  const want = target.toLowerCase()
  const found =
    names.find((n) => n.toLowerCase() === want) ??
    names.find((n) => n.toLowerCase().includes(want)) ??
    names.find((n) => providers[n]!.kind === want) ??
    names.find((n) => (providers[n]!.base_url ?? '').toLowerCase().includes(want === 'ollama' ? ':11434' : want))
  if (!found) throw new Error(`no configured provider matches "${target}" (configured: ${names.join(', ') || 'none'})`)
  return found
}
