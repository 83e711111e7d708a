import { BadRequest, Conflict, HearthError, NotFound } from '../core/errors'
import { newId } from '../core/ids'
import type { Logger } from '../core/log'
import type { ModelKind, ModelRepo, ModelRow, ModelSpec } from './model-repo'
import type { ChatEvent, ChatMessage, ChatParams, ChatProvider, Providers, Usage } from './types'

/** A model as the API shows it: registered, or a configured provider's default (`provider:<name>`). */
export type ModelInfo = {
  id: string
  provider: string
  model: string
  kinds: ModelKind[]
  params: ModelSpec['params']
  /** `provider:<name>` entries follow the provider's config and cannot be deleted here. */
  read_only: boolean
  created_at?: number
  /** Why it cannot be called now (its provider was removed from the config). */
  problem?: string
}

export type RegisterInput = { id?: string; provider: string; model: string; params?: ModelSpec['params']; kinds?: ModelKind[] }
export type InferenceMessage = { role: 'system' | 'user' | 'assistant'; content: string }
export type ChatResult = { id: string; message: { role: 'assistant'; content: string }; usage: Usage | null; provider: string; model: string; stop?: string }
export type ModelHealth = { id: string; status: 'ok' | 'down'; latency_ms: number; error?: string }

const PROVIDER_PREFIX = 'provider:'
const DEFAULT_KINDS: ModelKind[] = ['chat', 'completion']

export type ModelRegistryOptions = {
  repo: ModelRepo
  providers: Providers
  log: Logger
  /** The deadline of a health probe (ms). */
  healthTimeoutMs?: number
}

/**
 * The model registry and inference for programs on the LAN (SPEC §7): named models on configured
 * providers, with default params and the kinds of call they serve. Every call goes through the
 * providers feature (its deadlines, retries and typed errors); no fallback to another provider,
 * since the caller chose this model on purpose.
 */
export class ModelRegistry {
  constructor(private opts: ModelRegistryOptions) {}

  register(input: RegisterInput): ModelInfo {
    const configured = this.opts.providers.list()
    const provider = configured.find((p) => p.name === input.provider)
    if (!provider) {
      const names = configured.map((p) => p.name)
      throw new BadRequest(
        `provider: unknown provider "${input.provider}"; configured: ${names.length ? names.join(', ') : 'none (add one with POST /api/v1/providers)'}`,
        { field: 'provider', configured: names },
      )
    }
    const kinds = input.kinds?.length ? [...new Set(input.kinds)] : DEFAULT_KINDS
    if (kinds.includes('embedding') && provider.kind === 'anthropic') throw noEmbeddings(provider.name)
    const row = {
      id: input.id ?? newId('mdl_'),
      provider: input.provider,
      model: input.model,
      spec: { kinds, params: input.params ?? {} },
      createdAt: new Date(),
    }
    if (!this.opts.repo.insert(row)) throw new Conflict(`model "${row.id}" is already registered; DELETE /api/v1/models/${row.id} first, or pick another id`)
    this.opts.log.info('model registered', { id: row.id, provider: row.provider, model: row.model, kinds })
    return this.get(row.id)
  }

  list(): ModelInfo[] {
    return [...this.registered(), ...this.defaults()]
  }

  get(id: string): ModelInfo {
    const found = id.startsWith(PROVIDER_PREFIX) ? this.defaults().find((m) => m.id === id) : this.toInfo(this.opts.repo.get(id))
    if (!found) throw new NotFound(`unknown model "${id}"; GET /api/v1/models lists them`)
    return found
  }

  remove(id: string): void {
    if (id.startsWith(PROVIDER_PREFIX)) {
      this.get(id)
      throw new Conflict(`"${id}" is a provider's default model and is read-only; change it with PUT /api/v1/providers/${id.slice(PROVIDER_PREFIX.length)}`)
    }
    if (!this.opts.repo.delete(id)) throw new NotFound(`unknown model "${id}"; GET /api/v1/models lists them`)
    this.opts.log.info('model deleted', { id })
  }

  /** A tiny real call (one token, or one short embedding) under a short deadline. */
  async health(id: string, signal?: AbortSignal): Promise<ModelHealth> {
    const info = this.get(id)
    const timeoutMs = this.opts.healthTimeoutMs ?? 10_000
    const deadline = AbortSignal.timeout(timeoutMs)
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    try {
      const provider = this.opts.providers.get(info.provider, info.model)
      const probe = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline }
      if (!info.kinds.includes('chat') && !info.kinds.includes('completion')) {
        await this.embedWith(provider, info, ['ping'], probe.signal)
      } else {
        for await (const e of provider.stream({ model: info.model, messages: [{ role: 'user', content: 'Reply with OK.' }], params: { max_tokens: 1 }, signal: probe.signal })) {
          if (e.kind === 'done') break
        }
      }
      return { id, status: 'ok', latency_ms: elapsed() }
    } catch (err) {
      const message = deadline.aborted ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err)
      return { id, status: 'down', latency_ms: elapsed(), error: message }
    }
  }

  /**
   * A chat turn as events. The provider is asked (and a failure before the first event thrown)
   * before this returns, so callers can still answer with a proper error status.
   */
  async chatStream(
    id: string,
    messages: InferenceMessage[],
    params: ChatParams | undefined,
    signal: AbortSignal,
    kind: ModelKind = 'chat',
  ): Promise<{ info: ModelInfo; events: AsyncIterable<ChatEvent> }> {
    const info = this.callable(id, kind)
    const provider = this.opts.providers.get(info.provider, info.model)
    const it = provider
      .stream({ model: info.model, messages: messages as ChatMessage[], params: { ...info.params, ...params }, signal })
      [Symbol.asyncIterator]()
    const first = await it.next()
    async function* events(): AsyncIterable<ChatEvent> {
      try {
        if (first.done) return
        yield first.value
        while (true) {
          const next = await it.next()
          if (next.done) return
          yield next.value
        }
      } finally {
        await it.return?.()
      }
    }
    return { info, events: events() }
  }

  async chat(id: string, messages: InferenceMessage[], params: ChatParams | undefined, signal: AbortSignal, kind: ModelKind = 'chat'): Promise<ChatResult> {
    const { info, events } = await this.chatStream(id, messages, params, signal, kind)
    let content = ''
    let usage: Usage | null = null
    let stop: string | undefined
    for await (const e of events) {
      if (e.kind === 'text') content += e.delta
      else if (e.kind === 'done') {
        usage = e.usage ?? null
        stop = e.stop
      }
    }
    return { id: info.id, message: { role: 'assistant', content }, usage, provider: info.provider, model: info.model, ...(stop ? { stop } : {}) }
  }

  async completion(id: string, prompt: string, params: ChatParams | undefined, signal: AbortSignal) {
    const res = await this.chat(id, [{ role: 'user', content: prompt }], params, signal, 'completion')
    return { id: res.id, text: res.message.content, usage: res.usage, provider: res.provider, model: res.model, ...(res.stop ? { stop: res.stop } : {}) }
  }

  async embed(id: string, input: string[], signal: AbortSignal) {
    const info = this.get(id)
    const provider = this.opts.providers.get(info.provider, info.model)
    if (provider.kind === 'anthropic') throw noEmbeddings(info.provider)
    this.callable(id, 'embedding')
    const res = await this.embedWith(provider, info, input, signal)
    return { id: info.id, embeddings: res.vectors, model: info.model, provider: info.provider, ...(res.usage ? { usage: res.usage } : {}) }
  }

  private embedWith(provider: ChatProvider, info: ModelInfo, input: string[], signal: AbortSignal) {
    if (!provider.embed) throw noEmbeddings(info.provider)
    return provider.embed({ model: info.model, input, signal })
  }

  /** The model, if it serves this kind of call. */
  private callable(id: string, kind: ModelKind): ModelInfo {
    const info = this.get(id)
    if (!info.kinds.includes(kind)) {
      throw new BadRequest(
        `model "${id}" does not serve ${kind} (kinds: ${info.kinds.join(', ')})` +
          (kind === 'embedding' ? `; register an embedding model: POST /api/v1/models/register with "kinds": ["embedding"]` : ''),
      )
    }
    return info
  }

  /** Each configured provider's own model, so a LAN program always has one to pick. */
  private defaults(): ModelInfo[] {
    return this.opts.providers.list().map((p) => ({
      id: PROVIDER_PREFIX + p.name,
      provider: p.name,
      model: p.model,
      kinds: DEFAULT_KINDS,
      params: {},
      read_only: true,
      ...(p.problem ? { problem: p.problem } : {}),
    }))
  }

  private registered(): ModelInfo[] {
    const configured = new Set(this.opts.providers.list().map((p) => p.name))
    return this.opts.repo.list().map((r) => this.toInfo(r, configured)!)
  }

  private toInfo(r: ModelRow | null, configured = new Set(this.opts.providers.list().map((p) => p.name))): ModelInfo | undefined {
    if (!r) return undefined
    return {
      id: r.id,
      provider: r.provider,
      model: r.model,
      kinds: r.spec.kinds,
      params: r.spec.params,
      read_only: false,
      created_at: r.createdAt.getTime(),
      ...(configured.has(r.provider) ? {} : { problem: `provider "${r.provider}" is no longer configured` }),
    }
  }
}

function noEmbeddings(provider: string): HearthError {
  return new BadRequest(`provider "${provider}" is an anthropic provider, and Anthropic has no embeddings API; use a model on an openai or gemini provider`)
}
