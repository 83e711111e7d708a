import type { Logger } from '../core/log'
import { describeVendorError, isAbort, ProviderCancelled, ProviderFailed, ProviderFailedMidStream } from './provider-errors'
import type { ChatEvent } from './types'

export type Limits = {
  firstTokenTimeoutMs: number
  timeoutMs: number
  maxRetries: number
  /** First backoff; doubled per retry, with jitter, capped at 8× base. */
  backoffMs: number
}

type Ctx = { provider: string; model: string; limits: Limits; signal: AbortSignal; log: Logger }

const TIMEOUT = Symbol('timeout')

/**
 * Runs one provider call with the hub's rules: a first-event deadline, an overall deadline,
 * retries with exponential backoff only while nothing has been yielded, cancellation through the
 * caller's signal (passed on to the SDK), and every failure translated to a typed error.
 */
export async function* guardedStream(open: (signal: AbortSignal) => AsyncIterable<ChatEvent>, ctx: Ctx): AsyncIterable<ChatEvent> {
  const { provider, model, limits, signal, log } = ctx
  for (let attempt = 0; ; attempt++) {
    const inner = new AbortController()
    let why: 'first' | 'total' | null = null
    const expire = (kind: 'first' | 'total') => {
      why ??= kind
      inner.abort(TIMEOUT)
    }
    const onAbort = () => inner.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) inner.abort(signal.reason)
    const firstTimer = setTimeout(() => expire('first'), limits.firstTokenTimeoutMs)
    const totalTimer = setTimeout(() => expire('total'), limits.timeoutMs)
    // A pending read may not notice the abort on every SDK; race it so deadlines are exact.
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(inner.signal.reason)
      if (inner.signal.aborted) fail()
      else inner.signal.addEventListener('abort', fail, { once: true })
    })
    aborted.catch(() => {})
    let started = false
    let finished = false
    let it: AsyncIterator<ChatEvent> | undefined
    try {
      it = open(inner.signal)[Symbol.asyncIterator]()
      while (true) {
        const next = await Promise.race([it.next(), aborted])
        if (next.done) {
          finished = true
          return
        }
        if (!started) {
          started = true
          clearTimeout(firstTimer)
        }
        yield next.value
      }
    } catch (err) {
      void it?.return?.()?.catch(() => {})
      if (signal.aborted) throw new ProviderCancelled(provider, started)
      const info = { provider, model }
      if (why === 'first') {
        throw new ProviderFailed(`${provider} sent nothing within ${limits.firstTokenTimeoutMs} ms (first_token_timeout_ms)`, { ...info, retryable: false, partial: false }, 'timeout', 504)
      }
      if (why === 'total') {
        const message = `${provider} did not finish within ${limits.timeoutMs} ms (timeout_ms)`
        if (started) throw new ProviderFailedMidStream(message, info, 'timeout', 504)
        throw new ProviderFailed(message, { ...info, retryable: false, partial: false }, 'timeout', 504)
      }
      if (isAbort(err)) throw new ProviderCancelled(provider, started)
      const { status, retryable, message } = describeVendorError(err)
      if (started) throw new ProviderFailedMidStream(`${provider} failed mid-answer: ${message}`, { ...info, status })
      if (!retryable || attempt >= limits.maxRetries) {
        throw new ProviderFailed(`${provider} failed: ${message}`, { ...info, status, retryable, partial: false })
      }
      const wait = backoffWait(limits.backoffMs, attempt)
      log.warn('provider call failed before the first event; retrying', { provider, model, attempt: attempt + 1, status, error: message, wait_ms: Math.round(wait) })
      await sleep(wait, signal)
      if (signal.aborted) throw new ProviderCancelled(provider, false)
    } finally {
      clearTimeout(firstTimer)
      clearTimeout(totalTimer)
      signal.removeEventListener('abort', onAbort)
      // Closes the HTTP stream when the consumer stops early (break, return). A stream that ran to
      // its end has nothing left to close: aborting it anyway woke every listener the SDK had put on
      // the signal (~2 % of a /v1/chat/completions request's CPU).
      if (!finished && !inner.signal.aborted) inner.abort()
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * The same rules for a call that answers once (embeddings): the overall deadline, retries with
 * backoff on retryable failures, the caller's cancel, and every failure translated to a typed error.
 */
export async function guardedCall<T>(call: (signal: AbortSignal) => Promise<T>, ctx: Ctx): Promise<T> {
  const { provider, model, limits, signal, log } = ctx
  const info = { provider, model }
  for (let attempt = 0; ; attempt++) {
    const inner = new AbortController()
    let timedOut = false
    const onAbort = () => inner.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) inner.abort(signal.reason)
    const timer = setTimeout(() => {
      timedOut = true
      inner.abort(TIMEOUT)
    }, limits.timeoutMs)
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(inner.signal.reason)
      if (inner.signal.aborted) fail()
      else inner.signal.addEventListener('abort', fail, { once: true })
    })
    aborted.catch(() => {})
    try {
      return await Promise.race([call(inner.signal), aborted])
    } catch (err) {
      if (signal.aborted) throw new ProviderCancelled(provider, false)
      if (timedOut) throw new ProviderFailed(`${provider} did not answer within ${limits.timeoutMs} ms (timeout_ms)`, { ...info, retryable: false, partial: false }, 'timeout', 504)
      if (isAbort(err)) throw new ProviderCancelled(provider, false)
      const { status, retryable, message } = describeVendorError(err)
      if (!retryable || attempt >= limits.maxRetries) throw new ProviderFailed(`${provider} failed: ${message}`, { ...info, status, retryable, partial: false })
      const wait = backoffWait(limits.backoffMs, attempt)
      log.warn('provider call failed; retrying', { provider, model, attempt: attempt + 1, status, error: message, wait_ms: Math.round(wait) })
      await sleep(wait, signal)
      if (signal.aborted) throw new ProviderCancelled(provider, false)
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      if (!inner.signal.aborted) inner.abort()
    }
  }
}

/** Exponential backoff capped at 8× the base, with ±25 % jitter so retrying clients spread out. */
function backoffWait(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** attempt, baseMs * 8) * (0.75 + Math.random() * 0.5)
}
