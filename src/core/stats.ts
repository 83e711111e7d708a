/** Counters and gauges that parts register for `/api/v1/stats` and the dashboard. */
export class StatsRegistry {
  private sources = new Map<string, () => Record<string, unknown>>()

  register(name: string, fn: () => Record<string, unknown>): () => void {
    this.sources.set(name, fn)
    return () => this.sources.delete(name)
  }

  snapshot(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {}
    for (const [name, fn] of this.sources) {
      try {
        out[name] = fn()
      } catch (err) {
        out[name] = { error: err instanceof Error ? err.message : String(err) }
      }
    }
    return out
  }
}
