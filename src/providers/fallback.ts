import { HearthError, ProviderUnavailable } from '../core/errors'
import { HOW_TO_ADD } from './hints'
import { ProviderCancelled, ProviderFailed, ProviderFailedMidStream } from './provider-errors'
import type { ChatMessage, FallbackEvent, FallbackOptions, Providers } from './types'

const CONTINUE = 'Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything.'

/**
 * Streams a turn through the fallback chain (SPEC §10): a provider that fails before its first
 * event is skipped for the next; each answering provider is announced by a `provider` event before
 * its first event. A failure after the first event throws `ProviderFailedMidStream` (or, with
 * `continueOnFailure` and a next provider, yields `interrupted` and continues).
 */
export async function* streamWithFallback(providers: Providers, opts: FallbackOptions): AsyncIterable<FallbackEvent> {
  // A provider asked for by name that does not exist is the caller's mistake, not a reason to fall back.
  if (opts.provider && !providers.list().some((p) => p.name === opts.provider)) providers.get(opts.provider)
  const chain = providers.chain(opts.provider)
  if (chain.length === 0) throw new ProviderUnavailable(`no provider is configured: ${HOW_TO_ADD}`)
  const failures: { provider: string; code: string; error: string }[] = []
  let lastError: unknown
  let messages: ChatMessage[] = opts.request.messages
  let continued = false
  for (const [i, name] of chain.entries()) {
    let provider
    try {
      provider = providers.get(name, i === 0 ? opts.model : undefined)
    } catch (err) {
      // A provider without a key or gone from the config: the next one may still answer.
      if (i === 0 && chain.length === 1) throw err
      lastError = err
      failures.push({ provider: name, code: codeOf(err), error: messageOf(err) })
      continue
    }
    let started = false
    let partial = ''
    try {
      for await (const event of provider.stream({ ...opts.request, messages, model: provider.model })) {
        if (!started) {
          started = true
          yield { kind: 'provider', provider: name, model: provider.model, ...(failures.length ? { fallbackFrom: [...failures] } : {}), ...(continued ? { continued } : {}) }
        }
        if (event.kind === 'text') partial += event.delta
        yield event
      }
      return
    } catch (err) {
      if (err instanceof ProviderCancelled) throw err
      if (err instanceof ProviderFailedMidStream) {
        const next = chain[i + 1]
        if (!opts.continueOnFailure || !next) throw err
        opts.log?.warn('provider failed mid-answer; the next one continues it', { provider: name, next, error: err.message })
        yield { kind: 'interrupted', provider: name, model: provider.model, error: err }
        messages = [...messages, { role: 'assistant', content: partial }, { role: 'user', content: CONTINUE }]
        continued = true
        failures.length = 0
        continue
      }
      lastError = err
      failures.push({ provider: name, code: codeOf(err), error: messageOf(err) })
      opts.log?.warn('provider failed before its first event; trying the next', { provider: name, next: chain[i + 1] ?? null, error: messageOf(err) })
    }
  }
  if (failures.length === 1 && lastError instanceof Error) throw lastError
  const summary = failures.map((f) => `${f.provider}: ${f.error}`).join('; ')
  const last = lastError instanceof HearthError ? lastError : null
  throw new ProviderFailed(
    `every provider in the chain failed before answering (${summary})`,
    { provider: chain[chain.length - 1]!, model: '', retryable: false, partial: false },
    last?.code ?? 'upstream_failed',
    last?.status ?? 502,
  )
}

const codeOf = (err: unknown) => (err instanceof HearthError ? err.code : 'internal')
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))
