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
