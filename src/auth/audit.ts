import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import { auditRepo, type AuditFilter, type AuditRow } from './repo'
import type { ToolCallRecord } from './types'

const SECRET_ARG = /(key|token|secret|password)/i
/** A value like `providers.openai.api_key` names a setting; it is not itself a secret. */
const CONFIG_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/
/** Arguments beyond this (as JSON) are stored as a preview: the audit log is not a data store. */
const MAX_ARGS_CHARS = 8_192
const SWEEP_EVERY_MS = 3_600_000
/** Rows are written in batches, one transaction per flush: a row per call costs more than the call. */
const FLUSH_EVERY_MS = 100
const FLUSH_AT_ROWS = 256

/**
 * Copies `value` with every scalar under a secret-looking key replaced by `***`. An object that
 * names a secret setting (`{ key: "providers.x.api_key", value: "sk-…" }`, as config_set takes)
 * has its other scalars redacted too, since that is where the secret is.
 */
export function redactArgs(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value
  if (depth > 16) return '…'
  if (Array.isArray(value)) return value.map((v) => redactArgs(v, depth + 1))
  const entries = Object.entries(value)
  const isPath = (v: unknown): v is string => typeof v === 'string' && CONFIG_PATH.test(v)
  const namesSecret = entries.some(([, v]) => isPath(v) && SECRET_ARG.test(v.split('.').pop()!))
  const out: Record<string, unknown> = {}
  for (const [k, v] of entries) {
    const scalar = v !== null && typeof v !== 'object'
    if (scalar && isPath(v)) out[k] = v
    else if (scalar && (SECRET_ARG.test(k) || namesSecret)) out[k] = '***'
    else out[k] = redactArgs(v, depth + 1)
  }
  return out
}

function storedArgs(args: unknown): unknown {
  const text = JSON.stringify(redactArgs(args)) ?? 'null'
  if (text.length <= MAX_ARGS_CHARS) return JSON.parse(text)
  return { truncated: true, preview: text.slice(0, 1_000) }
}

export type AuditEntry = {
  id: number
  at: string
  actor: string
  surface: string
  tool: string
  arguments: unknown
  outcome: 'ok' | 'error'
  error: string | null
  duration_ms: number
}

/**
 * Who called which tool with what, how it ended and how long it took: one row per call through the
 * registry, whatever the surface. Rows older than `auth.audit_retention_days` are swept hourly.
 */
export class AuditLog {
  private repo
  private timer?: ReturnType<typeof setInterval>
  private pending: Parameters<ReturnType<typeof auditRepo>['insert']>[0][] = []
  private flushTimer?: ReturnType<typeof setTimeout>

  constructor(
    private opts: { db: Db; log: Logger; retentionDays: () => number },
  ) {
    this.repo = auditRepo(opts.db)
  }

  start(): void {
    this.sweep()
    this.timer ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS)
    this.timer.unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.flush()
  }

  /** The registry observer: never throws, a failed write is logged and the call goes on. */
  record = (r: ToolCallRecord): void => {
    try {
      this.pending.push({
        at: new Date(),
        actor: r.actor,
        surface: r.surface,
        tool: r.name,
        arguments: storedArgs(r.args),
        outcome: r.isError ? 'error' : 'ok',
        error: r.error ? r.error.slice(0, 2_000) : null,
        durationMs: Math.round(r.durationMs),
      })
    } catch (err) {
      this.opts.log.error('audit record failed', { tool: r.name, error: err })
      return
    }
    if (this.pending.length >= FLUSH_AT_ROWS) this.flush()
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS)
  }

  /** Writes the buffered rows in one transaction; a failed write is logged, never thrown. */
  flush(): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    const rows = this.pending.splice(0)
    if (rows.length === 0) return
    try {
      this.opts.db.transaction(() => this.repo.insertMany(rows))
    } catch (err) {
      this.opts.log.error('audit write failed', { rows: rows.length, error: err })
    }
  }

  query(filter: AuditFilter): AuditEntry[] {
    this.flush()
    return this.repo.query(filter).map(toEntry)
  }

  /** Deletes rows past the retention; returns how many went. */
  sweep(now = Date.now()): number {
    this.flush()
    const cutoff = new Date(now - this.opts.retentionDays() * 86_400_000)
    const removed = this.repo.removeBefore(cutoff)
    if (removed) this.opts.log.info('audit rows past retention removed', { removed })
    return removed
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    surface: r.surface,
    tool: r.tool,
    arguments: r.arguments,
    outcome: r.outcome,
    error: r.error,
    duration_ms: r.durationMs,
  }
}
