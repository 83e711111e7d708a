import type { ConfigService, ProviderConfig } from '../core/config'
import { BadRequest, Conflict, NotFound, ProviderUnavailable, ValidationFailed } from '../core/errors'
import type { EventBus } from '../core/events'
import type { HealthEntry } from '../core/health'
import type { Logger } from '../core/log'
import type { Adapter, AdapterConfig } from './adapter'
import { streamWithFallback } from './fallback'
import { HOW_TO_ADD } from './hints'
import { guardedCall, guardedStream, type Limits } from './resilience'
import type { ChatEvent, ChatProvider, ChatRequest, EmbedRequest, FallbackEvent, FallbackOptions, ImageRequest, ProviderKind, Providers, ProviderSummary } from './types'

export type AdapterFactory = (cfg: AdapterConfig) => Promise<Adapter>

/** Each kind's adapter module is imported on first use only: an unused SDK costs no memory. */
const FACTORIES: Record<ProviderKind, AdapterFactory> = {
  openai: async (cfg) => (await import('./openai')).createOpenAIAdapter(cfg),
  anthropic: async (cfg) => (await import('./anthropic')).createAnthropicAdapter(cfg),
  gemini: async (cfg) => (await import('./gemini')).createGeminiAdapter(cfg),
}

export type ProviderServiceOptions = {
  config: ConfigService
  bus: EventBus
  log: Logger
  /** First retry backoff (ms). */
  backoffMs?: number
}

export type TestResult = { ok: boolean; provider: string; model: string; latency_ms: number; reply?: string; error?: { code: string; message: string } }

const NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The providers feature: reads `providers` and `chat.provider`/`chat.fallback` from the live
 * config on every call (so a switch applies to the next chat), caches one SDK client per
 * provider config, and drops the cache when the config changes.
 */
export class ProviderService implements Providers {
  private adapters = new Map<string, Promise<Adapter>>()
  private unsubscribe?: () => void

  constructor(private opts: ProviderServiceOptions) {}

  start(): void {
    this.unsubscribe ??= this.opts.bus.on('config_changed', (e) => {
      if (e.changes.some((c) => c.key.startsWith('providers.'))) this.adapters.clear()
    })
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.adapters.clear()
  }

  private get providers(): Record<string, ProviderConfig> {
    return this.opts.config.current.providers
  }

  active(): { name: string; model: string } | null {
    const all = this.providers
    const chosen = this.opts.config.current.chat.provider
    const name = chosen && all[chosen] ? chosen : Object.keys(all)[0]
    return name ? { name, model: all[name]!.model } : null
  }

  list(): ProviderSummary[] {
    const active = this.active()?.name
    return Object.entries(this.providers).map(([name, p]) => {
      const problem = missingKey(name, p)
      return {
        name,
        kind: p.kind,
        model: p.model,
        ...(p.base_url ? { base_url: withoutCredentials(p.base_url) } : {}),
        has_key: !!p.api_key,
        active: name === active,
        source: this.opts.config.sourceOf(`providers.${name}`) === 'override' ? ('override' as const) : ('file' as const),
        ...(problem ? { problem } : {}),
      }
    })
  }

  chain(name?: string): string[] {
    const first = name ?? this.active()?.name
    const all = this.providers
    const out: string[] = first ? [first] : []
    for (const n of this.opts.config.current.chat.fallback) if (all[n] && !out.includes(n)) out.push(n)
    return out
  }

  get(name: string, model?: string): ChatProvider {
    const cfg = this.configOf(name, ProviderUnavailable)
    const problem = missingKey(name, cfg)
    if (problem) throw new ProviderUnavailable(problem)
    const useModel = model || cfg.model
    const limits: Limits = {
      firstTokenTimeoutMs: cfg.first_token_timeout_ms,
      timeoutMs: cfg.timeout_ms,
      maxRetries: cfg.max_retries,
      backoffMs: this.opts.backoffMs ?? 250,
    }
    const log = this.opts.log
    const adapter = () => this.adapterFor(name, cfg)
    return {
      name,
      kind: cfg.kind,
      model: useModel,
      stream: (req: ChatRequest): AsyncIterable<ChatEvent> =>
        guardedStream(
          (signal) => ({
            async *[Symbol.asyncIterator]() {
              yield* (await adapter()).stream({ ...req, model: useModel, signal })
            },
          }),
          { provider: name, model: useModel, limits, signal: req.signal, log },
        ),
      image: async (req: ImageRequest) => {
        const a = await adapter()
        if (!a.image) throw new ProviderUnavailable(`provider "${name}" (${cfg.kind}) cannot make images; pick an openai or gemini provider`)
        return a.image({ ...req, model: cfg.image_model })
      },
      embed: async (req: EmbedRequest) => {
        const a = await adapter()
        if (!a.embed) throw new BadRequest(`provider "${name}" (${cfg.kind}) has no embeddings API; register an embedding model on an openai or gemini provider`)
        const embed = a.embed.bind(a)
        return guardedCall((signal) => embed({ ...req, signal }), { provider: name, model: req.model, limits, signal: req.signal, log })
      },
    }
  }

  stream(opts: FallbackOptions): AsyncIterable<FallbackEvent> {
    return streamWithFallback(this, { log: this.opts.log, ...opts })
  }

  use(name: string, model?: string): void {
    this.configOf(name)
    const values: Record<string, unknown> = { 'chat.provider': name }
    if (model) values[`providers.${name}.model`] = model
    this.opts.config.setMany(values)
    this.opts.log.info('active provider switched', { provider: name, model: model ?? this.providers[name]!.model })
  }

  /** Adds a provider as a runtime override (validated with the whole config). */
  add(name: string, cfg: Record<string, unknown>): ProviderSummary {
    if (!NAME.test(name)) throw new ValidationFailed(`bad provider name "${name}"`, [{ path: 'name', message: 'use letters, digits, _ and -' }])
    if (this.providers[name]) throw new Conflict(`provider "${name}" already exists; use PUT /api/v1/providers/${name} to change it`)
    this.opts.config.set(`providers.${name}`, stripUndefined(cfg))
    return this.list().find((p) => p.name === name)!
  }

  /** Changes some fields of a provider; each is stored as its own override. */
  update(name: string, patch: Record<string, unknown>): ProviderSummary {
    this.configOf(name)
    const values: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) values[`providers.${name}.${k}`] = v
    if (Object.keys(values).length) this.opts.config.setMany(values)
    return this.list().find((p) => p.name === name)!
  }

  /** Removes a provider added at runtime. Providers from the YAML file can only be removed there. */
  remove(name: string): void {
    this.configOf(name)
    const { config } = this.opts
    if (config.sourceOf(`providers.${name}`) !== 'override') {
      throw new Conflict(`provider "${name}" comes from the config file${config.path ? ` (${config.path})` : ''}; remove it there`)
    }
    const values: Record<string, unknown> = {}
    for (const key of config.overrideKeys()) if (key === `providers.${name}` || key.startsWith(`providers.${name}.`)) values[key] = null
    if (config.current.chat.provider === name && config.overrideKeys().includes('chat.provider')) values['chat.provider'] = null
    config.setMany(values)
  }

  /** A tiny real call: does the provider answer, and how fast. */
  async test(name: string, signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<TestResult> {
    const cfg = this.configOf(name)
    const started = performance.now()
    const result = { provider: name, model: cfg.model }
    try {
      let reply = ''
      const provider = this.get(name)
      for await (const e of provider.stream({
        model: cfg.model,
        messages: [{ role: 'user', content: 'Reply with the single word OK.' }],
        params: { max_tokens: 16 },
        signal,
      })) {
        if (e.kind === 'text') reply += e.delta
      }
      return { ok: true, ...result, latency_ms: Math.round(performance.now() - started), reply: reply.slice(0, 200) }
    } catch (err) {
      const e = err as { code?: string; message?: string }
      return { ok: false, ...result, latency_ms: Math.round(performance.now() - started), error: { code: e.code ?? 'internal', message: e.message ?? String(err) } }
    }
  }

  health(): HealthEntry {
    const all = this.list()
    if (all.length === 0) return { status: 'disabled', configured: 0, hint: `no provider configured: ${HOW_TO_ADD}` }
    const lacking = Object.entries(this.providers).filter(([n, p]) => missingKey(n, p)).map(([n]) => n)
    const active = this.active()!
    const chosen = this.opts.config.current.chat.provider
    const notes: string[] = []
    if (chosen && !this.providers[chosen]) notes.push(`chat.provider "${chosen}" is not configured; using "${active.name}"`)
    if (lacking.includes(active.name)) notes.push(`the active provider "${active.name}" has no API key`)
    return {
      status: notes.length ? 'degraded' : 'ok',
      active: active.name,
      model: active.model,
      configured: all.length,
      missing_keys: lacking,
      ...(notes.length ? { error: notes.join('; ') } : {}),
    }
  }

  /** `get` says "unavailable" (503) for an unknown name; the REST edits say "not found" (404). */
  private configOf(name: string, unknown: new (message: string) => Error = NotFound): ProviderConfig {
    const cfg = Object.hasOwn(this.providers, name) ? this.providers[name] : undefined
    if (cfg) return cfg
    const names = Object.keys(this.providers)
    if (names.length === 0) throw new ProviderUnavailable(`no provider is configured: ${HOW_TO_ADD}`)
    throw new unknown(`unknown provider "${name}"; configured: ${names.join(', ')}`)
  }

  private adapterFor(name: string, cfg: ProviderConfig): Promise<Adapter> {
    const key = `${name}\u0000${JSON.stringify(cfg)}`
    let a = this.adapters.get(key)
    if (!a) {
      a = FACTORIES[cfg.kind]({ ...cfg, name, log: this.opts.log.with({ provider: name }) })
      a.catch(() => this.adapters.delete(key))
      this.adapters.set(key, a)
    }
    return a
  }
}

/**
 * Why a provider cannot be called without a key, or null. OpenAI-compatible servers on this
 * machine or the LAN (Ollama, llama.cpp, LM Studio, vLLM) need none; cloud endpoints do.
 */
function missingKey(name: string, cfg: ProviderConfig): string | null {
  if (cfg.api_key) return null
  if (cfg.kind === 'openai' && cfg.base_url && isLocal(cfg.base_url)) return null
  const env = `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`
  return `provider "${name}" has no API key: set providers.${name}.api_key in config/hearth.yaml (api_key: "\${${env}}" and export ${env}), or PUT /api/v1/providers/${name} with an api_key`
}

function isLocal(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return false
  }
  return (
    !host.includes('.') ||
    host === '::1' ||
    /\.(local|lan|home|internal|localhost)$/.test(host) ||
    /^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host) ||
    /^f[cd][0-9a-f]{2}:/i.test(host)
  )
}

/** `https://user:secret@host/...` must not leak through a listing. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url)
    if (!u.username && !u.password) return url
    u.username = ''
    u.password = ''
    return u.toString()
  } catch {
    return url
  }
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}
