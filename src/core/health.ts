/**
 * The one extension point for `/api/v1/health`: each part registers a check that reports its own
 * entry. A check that throws or takes too long reports `down` instead of failing the endpoint.
 */
export type HealthStatus = 'ok' | 'degraded' | 'down' | 'disabled'
export type HealthEntry = { status: HealthStatus; [detail: string]: unknown }
type Check = { fn: () => HealthEntry | Promise<HealthEntry>; critical: boolean }

export class HealthRegistry {
  private checks = new Map<string, Check>()

  /** `critical` parts (the database) make the whole hub `down`; others only `degraded`. */
  register(name: string, fn: Check['fn'], opts: { critical?: boolean } = {}): () => void {
    this.checks.set(name, { fn, critical: opts.critical ?? false })
    return () => this.checks.delete(name)
  }

  async report(timeoutMs = 1000): Promise<{ status: HealthStatus; checks: Record<string, HealthEntry> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const timeout = new Promise<HealthEntry>((res) => {
          timer = setTimeout(() => res({ status: 'down', error: 'health check timed out' }), timeoutMs)
        })
        try {
          return [name, check, await Promise.race([Promise.resolve().then(check.fn), timeout])] as const
        } catch (err) {
          return [name, check, { status: 'down', error: err instanceof Error ? err.message : String(err) }] as const
        } finally {
          clearTimeout(timer)
        }
      }),
    )
    let status: HealthStatus = 'ok'
    const checks: Record<string, HealthEntry> = {}
    for (const [name, check, entry] of entries) {
      checks[name] = entry
      if (entry.status === 'down' && check.critical) status = 'down'
      else if ((entry.status === 'down' || entry.status === 'degraded') && status === 'ok') status = 'degraded'
    }
    return { status, checks }
  }
}
