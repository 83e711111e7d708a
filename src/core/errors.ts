/**
 * Typed errors. Every failure that reaches a caller is one of these; `app.ts` maps them to HTTP,
 * the WebSocket layer to an `error` frame and the MCP layer to an `isError` tool result.
 */
export class HearthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 500,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class BadRequest extends HearthError {
  constructor(message: string, details?: unknown) {
    super('bad_request', message, 400, details)
  }
}

export class ValidationFailed extends HearthError {
  constructor(message: string, readonly issues: { path: string; message: string }[]) {
    super('validation_failed', message, 422, issues)
  }
}

export class Unauthorized extends HearthError {
  constructor(message = 'a valid bearer token is required') {
    super('unauthorized', message, 401)
  }
}

export class Forbidden extends HearthError {
  constructor(message: string) {
    super('forbidden', message, 403)
  }
}

export class NotFound extends HearthError {
  constructor(message: string) {
    super('not_found', message, 404)
  }
}

export class Conflict extends HearthError {
  constructor(message: string) {
    super('conflict', message, 409)
  }
}

export class RateLimited extends HearthError {
  constructor(message: string, readonly retryAfterS: number) {
    super('rate_limited', message, 429)
  }
}

export class ProviderUnavailable extends HearthError {
  constructor(message: string, details?: unknown) {
    super('provider_unavailable', message, 503, details)
  }
}

export class UpstreamFailed extends HearthError {
  constructor(message: string, details?: unknown) {
    super('upstream_failed', message, 502, details)
  }
}

export class TimedOut extends HearthError {
  constructor(message: string) {
    super('timeout', message, 504)
  }
}

export class Unavailable extends HearthError {
  constructor(message: string) {
    super('unavailable', message, 503)
  }
}

export type ErrorBody = { error: { code: string; message: string; details?: unknown } }

/** The one translation of any thrown value into a status and a JSON body. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof HearthError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } }
    if (err.details !== undefined) body.error.details = err.details
    return { status: err.status, body }
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
