/**
 * Restart delays for a dead upstream: exponential, capped, with jitter so that a hub restarting
 * twenty servers after a network blip does not hammer them all in the same millisecond.
 */
export type BackoffOptions = {
  baseMs: number
  maxMs: number
  factor?: number
  /** 0..1: the share of the delay that is randomised (0.5 → between 50 % and 100 % of it). */
  jitter?: number
  random?: () => number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 }

/** The delay before attempt `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const { baseMs, maxMs, factor = 2, jitter = 0.5, random = Math.random } = opts
  const raw = Math.min(maxMs, baseMs * factor ** Math.max(0, Math.min(attempt, 30)))
  return Math.round(raw * (1 - jitter * random()))
}
