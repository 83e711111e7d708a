import { HearthError } from '../core/errors'

export type ProviderFailureInfo = {
  provider: string
  model: string
  /** The vendor's HTTP status, when it answered with one. */
  status?: number
  /** Worth another try on the same provider (rate limit, 5xx, connection trouble). */
  retryable: boolean
  /** Some events had already been yielded when it failed. */
  partial: boolean
}

/**
 * A provider call that failed. Raised by the adapters' wrapper with the vendor error translated;
 * `code` is `upstream_failed` (502) or `timeout` (504).
 */
export class ProviderFailed extends HearthError {
  readonly provider: string
  readonly model: string
  readonly retryable: boolean
  readonly partial: boolean
  readonly upstreamStatus?: number

  constructor(message: string, info: ProviderFailureInfo, code = 'upstream_failed', status = 502) {
    super(code, message, status, { provider: info.provider, model: info.model, status: info.status, partial: info.partial })
    this.provider = info.provider
    this.model = info.model
    this.retryable = info.retryable
    this.partial = info.partial
    this.upstreamStatus = info.status
  }
}

/**
 * The provider failed after it had streamed something: never retried or silently completed; the
 * caller keeps the partial answer and reports an error (SPEC §10).
 */
export class ProviderFailedMidStream extends ProviderFailed {
  constructor(message: string, info: Omit<ProviderFailureInfo, 'partial' | 'retryable'>, code = 'upstream_failed', status = 502) {
    super(message, { ...info, partial: true, retryable: false }, code, status)
  }
}

/** The caller aborted the request (a `cancel`, a closed socket). Not a failure of the provider. */
export class ProviderCancelled extends HearthError {
  constructor(readonly provider: string, readonly partial: boolean) {
    super('cancelled', `the request to "${provider}" was cancelled`, 499)
  }
}

/** The model's tool-call arguments were not a JSON object. */
export class BadToolArguments extends Error {
  constructor(readonly tool: string, detail: string) {
    super(`the model sent malformed JSON arguments for tool "${tool}": ${detail}`)
  }
}

type VendorErrorShape = { status?: unknown; name?: unknown; message?: unknown; code?: unknown }

/** True for the abort the caller asked for (every SDK names it differently). */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true
  const name = (err as VendorErrorShape | null)?.name
  return name === 'AbortError' || name === 'APIUserAbortError'
}

/** Reads status and retryability off any vendor error without importing the vendor's types. */
export function describeVendorError(err: unknown): { status?: number; retryable: boolean; message: string } {
  const e = (err ?? {}) as VendorErrorShape
  const status = typeof e.status === 'number' && e.status >= 100 ? e.status : undefined
  const message = cleanMessage(err)
  if (err instanceof BadToolArguments) return { retryable: true, message }
  if (status !== undefined) return { status, retryable: status === 408 || status === 409 || status === 429 || status >= 500, message }
  // No status: connection refused/reset, a broken stream, unparsable data. Worth another try.
  return { retryable: true, message }
}

function cleanMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err)
  // Some SDKs put the vendor's whole error JSON in the message; its "message" field is the reason.
  const inner = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(raw)
  if (inner) return inner[1]!.replace(/\\(.)/g, '$1').slice(0, 500)
  // Vendor messages sometimes embed the whole JSON body; keep them to one readable line.
  return raw.replace(/\s+/g, ' ').slice(0, 500)
}
