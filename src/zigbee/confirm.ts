/**
 * Whether a reported value confirms a requested one. A retained old state arriving late must not
 * count; small differences (a bulb reporting 253 for 254, xy rounding) must.
 */
export function agrees(wanted: unknown, reported: unknown): boolean {
  // a /get, a toggle, a cover stop or a preset name: any report answers it
  if (wanted === '' || wanted === 'TOGGLE' || wanted === 'STOP' || (typeof wanted === 'string' && typeof reported === 'number')) return true
  if (typeof wanted === 'number') return typeof reported === 'number' && Math.abs(reported - wanted) <= Math.max(1, Math.abs(wanted) * 0.02)
  if (typeof wanted === 'string') return typeof reported === 'string' && reported.toLowerCase() === wanted.toLowerCase()
  if (wanted && typeof wanted === 'object' && reported && typeof reported === 'object') {
    if ('hex' in wanted) return true
    return Object.entries(wanted).every(([k, v]) => {
      const r = (reported as Record<string, unknown>)[k]
      return typeof v === 'number' && typeof r === 'number' ? Math.abs(r - v) <= (Math.abs(v) <= 1 ? 0.01 : 2) : r === v
    })
  }
  return wanted === reported
}

/** A state message confirms a command when every commanded key is reported with an agreeing value. */
export function confirms(expected: Record<string, unknown>, payload: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([k, v]) => k in payload && agrees(v, payload[k]))
}

type Waiter = { expect: Record<string, unknown>; done: (state: Record<string, unknown>) => void }

/**
 * Commands waiting for their device to report the commanded state, by device. `wait` resolves with
 * the device's state once a report confirms it, or null after the timeout.
 */
export class Confirmations {
  private waiters = new Map<string, Set<Waiter>>()

  wait(device: string, expect: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | null> {
    return new Promise((resolve) => {
      let set = this.waiters.get(device)
      if (!set) this.waiters.set(device, (set = new Set()))
      const waiters = set
      const finish = (state: Record<string, unknown> | null) => {
        clearTimeout(timer)
        waiters.delete(waiter)
        if (waiters.size === 0) this.waiters.delete(device)
        resolve(state)
      }
      const timer = setTimeout(() => finish(null), timeoutMs)
      const waiter: Waiter = { expect, done: finish }
      waiters.add(waiter)
    })
  }

  /** A state report arrived: every waiter it confirms is answered with the device's full state. */
  report(device: string, payload: Record<string, unknown>, state: Record<string, unknown>): void {
    const waiters = this.waiters.get(device)
    if (waiters) for (const w of [...waiters]) if (confirms(w.expect, payload)) w.done(state)
  }
}
