import type { ToolResult } from '../mcp/types'

/**
 * Results of tools that declare themselves read-only and idempotent, kept for `cache_ttl_s`.
 * Bounded: the oldest entry goes when it is full. Errors are never cached.
 */
export class ResultCache {
  private entries = new Map<string, { at: number; result: ToolResult }>()

  constructor(private maxEntries = 500) {}

  get(key: string, ttlMs: number, now = Date.now()): ToolResult | undefined {
    const hit = this.entries.get(key)
    if (!hit) return undefined
    if (now - hit.at > ttlMs) {
      this.entries.delete(key)
      return undefined
    }
    return hit.result
  }

  set(key: string, result: ToolResult, now = Date.now()): void {
    if (result.isError) return
    this.entries.delete(key)
    this.entries.set(key, { at: now, result })
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` hit the same entry. */
export function cacheKey(tool: string, args: unknown): string {
  return `${tool}\u0000${JSON.stringify(args, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v))}`
}
