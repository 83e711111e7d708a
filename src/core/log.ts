/**
 * Structured JSON logs: one line per event. Secrets registered with `addSecret` and values under
 * secret-looking keys are masked before a line is written, whatever namespace writes it.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error'
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const SECRET_KEY = /(api_?key|token|secret|password|authorization|cookie)/i

export type Fields = Record<string, unknown>
type Sink = (line: string) => void

export type LogOptions = { level?: Level; levels?: Record<string, Level>; sink?: Sink }

class LogCore {
  level: Level
  levels: Record<string, Level>
  sink: Sink
  secrets = new Set<string>()
  constructor(opts: LogOptions) {
    this.level = opts.level ?? 'info'
    this.levels = opts.levels ?? {}
    this.sink = opts.sink ?? stderrSink()
  }
  enabled(ns: string, level: Level): boolean {
    return rank[level] >= rank[this.levels[ns] ?? this.level]
  }
  scrub(text: string): string {
    for (const s of this.secrets) if (text.includes(s)) text = text.split(s).join('***')
    return text
  }
}

/**
 * Bun's native stderr writer, flushed per line so lines keep their order and appear at once.
 * `process.stderr.write` would load Node's stream layer into every process for nothing (≈4 MB RSS).
 */
function stderrSink(): Sink {
  const writer = Bun.stderr.writer()
  return (line) => {
    try {
      writer.write(line + '\n')
      const pending = writer.flush()
      if (pending instanceof Promise) pending.catch(() => {})
    } catch {
      // stderr closed (EPIPE): logging must never take a request down with it.
    }
  }
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (value instanceof Error) return { name: value.name, message: value.message }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
  const out: Fields = {}
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? '***' : redact(v, depth + 1)
  }
  return out
}

export class Logger {
  constructor(
    private core: LogCore,
    readonly ns: string,
    private base: Fields = {},
  ) {}

  child(ns: string, fields: Fields = {}): Logger {
    return new Logger(this.core, ns, { ...this.base, ...fields })
  }

  with(fields: Fields): Logger {
    return new Logger(this.core, this.ns, { ...this.base, ...fields })
  }

  setLevel(level: Level, levels: Record<string, Level> = {}): void {
    this.core.level = level
    this.core.levels = levels
  }

  /** Masks this exact string in every later log line (API keys, tokens). */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 6) this.core.secrets.add(secret)
  }

  isEnabled(level: Level): boolean {
    return this.core.enabled(this.ns, level)
  }

  debug(msg: string | (() => string), fields?: Fields): void {
    if (this.core.enabled(this.ns, 'debug')) this.write('debug', typeof msg === 'function' ? msg() : msg, fields)
  }
  info(msg: string, fields?: Fields): void {
    if (this.core.enabled(this.ns, 'info')) this.write('info', msg, fields)
  }
  warn(msg: string, fields?: Fields): void {
    if (this.core.enabled(this.ns, 'warn')) this.write('warn', msg, fields)
  }
  error(msg: string, fields?: Fields): void {
    if (this.core.enabled(this.ns, 'error')) this.write('error', msg, fields)
  }

  private write(level: Level, msg: string, fields?: Fields): void {
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      ns: this.ns,
      msg,
      ...(redact({ ...this.base, ...fields }) as Fields),
    })
    this.core.sink(this.core.scrub(line))
  }
}

/** A level name from outside (HEARTH_LOG_LEVEL); anything else is `undefined`, never a silent logger. */
export function parseLevel(text: string | undefined): Level | undefined {
  const t = text?.trim().toLowerCase()
  return t && t in rank ? (t as Level) : undefined
}

export function createLogger(opts: LogOptions = {}): Logger {
  return new Logger(new LogCore(opts), 'hearth')
}
