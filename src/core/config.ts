import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import type { HearthConfig } from './config-schema'
import { flatten, getPath, interpolate, isPlainObject, parseMcpServersFile, redactConfigValue, resolveConfig } from './config-resolve'
import { ValidationFailed, errorMessage } from './errors'
import type { ConfigChange, EventBus } from './events'
import type { Logger } from './log'

export type { HearthConfig, ProviderConfig, McpServerConfig } from './config-schema'
// The pure helpers keep being reachable here: other parts import them from core/config.
export { flatten, getPath, interpolate, parseMcpServersFile, redactConfigValue, resolveConfig } from './config-resolve'

/** Runtime overrides live in SQLite; core only knows this interface (the db layer implements it). */
export interface OverrideStore {
  load(): Record<string, unknown>
  save(key: string, value: unknown): void
  remove(key: string): void
  clear(): void
  /** Changes when another process (the CLI) wrote the store; polled by a running server. */
  version?(): number
}

export type Source = 'override' | 'file' | 'default'
export type ConfigEntry = { key: string; value: unknown; source: Source }

const KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/
export type ConfigServiceOptions = {
  /** The YAML file; `undefined` runs on built-in defaults. */
  path?: string
  env: Record<string, string | undefined>
  store: OverrideStore
  bus: EventBus
  log: Logger
}

/**
 * The effective configuration: built-in defaults ← file ← runtime overrides. The only reader of
 * config files. `current` is always a valid, frozen config; a bad edit or a bad override never
 * replaces it.
 */
export class ConfigService {
  private fileTree: Record<string, unknown> = {}
  private overrides: Record<string, unknown> = {}
  private config!: HearthConfig
  private watchers: FSWatcher[] = []
  private reloadTimer?: ReturnType<typeof setTimeout>
  /** The YAML text plus the servers_file text last read: an unchanged pair is not reloaded. */
  private lastText?: string
  private serversPath?: string
  private serversText = ''
  private lastRefused?: string
  private pollTimer?: ReturnType<typeof setInterval>
  private storeVersion = 0
  readonly path?: string

  constructor(private opts: ConfigServiceOptions) {
    this.path = opts.path ? resolve(opts.path) : undefined
  }

  get current(): HearthConfig {
    return this.config
  }

  /** Reads file and overrides; throws (with every bad path) when the file itself is invalid. */
  load(): HearthConfig {
    this.fileTree = this.readFile()
    const { config, overrides } = this.resolveWithOverrides(this.fileTree, this.opts.store.load())
    this.config = config
    this.overrides = overrides
    this.registerSecrets()
    return this.config
  }

  /**
   * The file alone must be valid (else this throws); stored overrides that no longer fit it (e.g. an
   * override of a provider the file dropped) are ignored and logged rather than stopping the hub.
   */
  private resolveWithOverrides(tree: Record<string, unknown>, overrides: Record<string, unknown>) {
    try {
      return { config: resolveConfig(tree, overrides), overrides }
    } catch (err) {
      let config = resolveConfig(tree, {})
      // Keep every override that still fits, one by one; only the misfits are dropped.
      const kept: Record<string, unknown> = {}
      const ignored: string[] = []
      for (const [key, value] of Object.entries(overrides)) {
        try {
          config = resolveConfig(tree, { ...kept, [key]: value })
          kept[key] = value
        } catch {
          ignored.push(key)
        }
      }
      this.opts.log.warn('stored overrides do not fit the config file; ignoring them', { keys: ignored, error: errorMessage(err) })
      return { config, overrides: kept }
    }
  }

  /**
   * Watches the file (its directory, since editors replace files by rename) and polls the override
   * store, so `hearth provider use` in another process reaches a running server.
   */
  start(pollMs = 500): void {
    const { store } = this.opts
    if (store.version) {
      this.storeVersion = store.version()
      this.pollTimer = setInterval(() => {
        const v = store.version!()
        if (v !== this.storeVersion) {
          this.storeVersion = v
          this.reloadOverrides()
        }
      }, pollMs)
    }
    this.watchFiles()
  }

  stop(): void {
    clearInterval(this.pollTimer)
    this.pollTimer = undefined
    clearTimeout(this.reloadTimer)
    this.unwatchFiles()
  }

  /** Watches the folders (editors replace files by rename) of the YAML file and its servers_file. */
  private watchFiles(): void {
    this.unwatchFiles()
    if (!this.path || !existsSync(this.path)) return
    const byDir = new Map<string, Set<string>>()
    for (const file of [this.path, this.serversPath]) {
      if (!file) continue
      const names = byDir.get(dirname(file)) ?? new Set<string>()
      byDir.set(dirname(file), names.add(basename(file)))
    }
    for (const [dir, names] of byDir) {
      try {
        this.watchers.push(
          watch(dir, (_event, file) => {
            if (file && !names.has(String(file))) return
            clearTimeout(this.reloadTimer)
            this.reloadTimer = setTimeout(() => this.reload(), 50)
          }),
        )
      } catch (err) {
        this.opts.log.warn('cannot watch config folder; edits need a restart', { dir, error: errorMessage(err) })
      }
    }
  }

  private unwatchFiles(): void {
    for (const w of this.watchers.splice(0)) w.close()
  }

  /** Re-reads the file; an invalid edit is logged and the last good config stays. */
  reload(): boolean {
    let text: string
    try {
      text = readFileSync(this.path!, 'utf8')
    } catch (err) {
      this.opts.log.error('config file unreadable; keeping the last good config', { path: this.path, error: errorMessage(err) })
      return false
    }
    const serversBefore = this.serversPath
    try {
      const tree = this.parse(text)
      const seen = `${text}\0${this.serversText}`
      if (seen === this.lastText) return false
      this.lastText = seen
      this.lastRefused = undefined
      const { config, overrides } = this.resolveWithOverrides(tree, this.opts.store.load())
      this.fileTree = tree
      this.overrides = overrides
      const changes = this.swap(config)
      this.opts.log.info('config reloaded', { path: this.path, changed: changes.map((c) => c.key) })
      if (this.serversPath !== serversBefore && this.watchers.length) this.watchFiles()
      return true
    } catch (err) {
      this.serversPath = serversBefore
      // Editors fire several events per save: report one refused edit once.
      const refused = `${text}\0${this.serversText}`
      if (refused === this.lastRefused) return false
      this.lastRefused = refused
      this.lastText = undefined
      const issues = err instanceof ValidationFailed ? err.issues : undefined
      this.opts.log.error('invalid config edit refused; keeping the last good config', {
        path: this.path,
        error: errorMessage(err),
        issues,
      })
      return false
    }
  }

  /** Picks up overrides written by another process; ones that do not fit are ignored and logged. */
  reloadOverrides(): void {
    const overrides = this.opts.store.load()
    if (JSON.stringify(overrides) === JSON.stringify(this.overrides)) return
    const next = this.resolveWithOverrides(this.fileTree, overrides)
    this.overrides = next.overrides
    this.swap(next.config)
  }

  /** Sets a runtime override (dotted key); validated against the whole config before it is stored. */
  set(key: string, value: unknown): ConfigChange[] {
    return this.setMany({ [key]: value })
  }

  unset(key: string): ConfigChange[] {
    return this.setMany({ [key]: null })
  }

  /**
   * Applies several overrides atomically: all are valid together or none is stored. `null` removes
   * a key's override, so it falls back to the file or the default.
   */
  setMany(values: Record<string, unknown>): ConfigChange[] {
    const overrides = { ...this.overrides }
    for (const [key, value] of Object.entries(values)) {
      if (!KEY.test(key)) throw new ValidationFailed(`bad config key "${key}"`, [{ path: key, message: 'not a dotted key' }])
      if (value === null) delete overrides[key]
      else overrides[key] = value
    }
    const next = resolveConfig(this.fileTree, overrides)
    for (const [key, value] of Object.entries(values)) {
      if (value === null) this.opts.store.remove(key)
      else this.opts.store.save(key, value)
    }
    this.overrides = overrides
    return this.swap(next)
  }

  /** Drops every runtime override back to the file's values. */
  reset(): ConfigChange[] {
    this.opts.store.clear()
    this.overrides = {}
    return this.swap(resolveConfig(this.fileTree, {}))
  }

  sourceOf(key: string): Source {
    for (const k of Object.keys(this.overrides)) if (key === k || key.startsWith(k + '.')) return 'override'
    return getPath(this.fileTree, key) !== undefined ? 'file' : 'default'
  }

  /** Every effective leaf with its source; secrets redacted. */
  entries(): ConfigEntry[] {
    return Object.entries(flatten(this.config)).map(([key, value]) => ({
      key,
      value: redactConfigValue(key, value),
      source: this.sourceOf(key),
    }))
  }

  overrideKeys(): string[] {
    return Object.keys(this.overrides)
  }

  private swap(next: HearthConfig): ConfigChange[] {
    const before = flatten(this.config)
    const after = flatten(next)
    const changes: ConfigChange[] = []
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
        changes.push({
          key,
          from: redactConfigValue(key, before[key]),
          to: redactConfigValue(key, after[key]),
          source: this.sourceOf(key),
        })
      }
    }
    this.config = next
    this.registerSecrets()
    if (changes.length > 0) this.opts.bus.emit({ type: 'config_changed', changes })
    return changes
  }

  private registerSecrets(): void {
    for (const [key, value] of Object.entries(flatten(this.config))) {
      if (typeof value === 'string' && redactConfigValue(key, value) === '***') {
        this.opts.log.addSecret(value)
        this.opts.log.addSecret(value.replace(/^Bearer\s+/i, ''))
      }
    }
  }

  private readFile(): Record<string, unknown> {
    if (!this.path) return {}
    if (!existsSync(this.path)) throw new ValidationFailed(`config file not found: ${this.path}`, [{ path: this.path, message: 'not found' }])
    const text = readFileSync(this.path, 'utf8')
    const tree = this.parse(text)
    this.lastText = `${text}\0${this.serversText}`
    return tree
  }

  private parse(text: string): Record<string, unknown> {
    let raw: unknown
    try {
      raw = Bun.YAML.parse(text) ?? {}
    } catch (err) {
      throw new ValidationFailed(`${this.path}: YAML syntax error: ${errorMessage(err)}`, [{ path: '(file)', message: errorMessage(err) }])
    }
    if (!isPlainObject(raw)) throw new ValidationFailed(`${this.path}: the top level must be a mapping`, [{ path: '(root)', message: 'not a mapping' }])
    const tree = interpolate(raw, this.opts.env) as Record<string, unknown>
    const serversFile = getPath(tree, 'mcp.servers_file')
    this.serversPath = undefined
    this.serversText = ''
    if (typeof serversFile === 'string' && serversFile) this.mergeServersFile(tree, resolve(dirname(this.path!), serversFile))
    return tree
  }

  private mergeServersFile(tree: Record<string, unknown>, file: string): void {
    let servers: Record<string, unknown>
    this.serversPath = file
    try {
      this.serversText = readFileSync(file, 'utf8')
      servers = interpolate(parseMcpServersFile(this.serversText), this.opts.env) as Record<string, unknown>
    } catch (err) {
      throw new ValidationFailed(`${file}: ${errorMessage(err)}`, [{ path: 'mcp.servers_file', message: errorMessage(err) }])
    }
    const mcp = (isPlainObject(tree.mcp) ? tree.mcp : (tree.mcp = {})) as Record<string, unknown>
    // Servers named in the YAML win over the JSON file: the YAML is the hub's own file.
    mcp.servers = { ...servers, ...(isPlainObject(mcp.servers) ? mcp.servers : {}) }
  }
}

/** The process environment; the only place outside this file that should need it is nowhere. */
export function processEnv(): Record<string, string | undefined> {
  return { ...Bun.env }
}

/** `--config`, else HEARTH_CONFIG, else ./config/hearth.yaml when present, else built-in defaults. */
export function findConfigPath(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (flag) return flag
  if (env.HEARTH_CONFIG) return env.HEARTH_CONFIG
  return existsSync('config/hearth.yaml') ? 'config/hearth.yaml' : undefined
}
