import { join, resolve } from 'node:path'
import { LogRing } from './admin/log-ring'
import { createApp, type App, type Services } from './app'
import { AuthService } from './auth/service'
import { ConfigService } from './core/config'
import { EventBus } from './core/events'
import { HealthRegistry } from './core/health'
import { createLogger, parseLevel, type Logger } from './core/log'
import { StatsRegistry } from './core/stats'
import { openDatabase } from './db/client'
import { sqliteOverrideStore } from './db/override-store'
// providers (issue #3)
import { ProviderService } from './providers/service'
// --- mcp ---
import { registerBuiltins } from './mcp/builtin/register-builtins'
import { Registry } from './mcp/registry'
import { toolSwitchRepo } from './mcp/repo'
import { McpService } from './mcp/service'
// --- /mcp ---
// --- zigbee --- (issue #6)
import { ZigbeeService } from './zigbee/service'
// --- /zigbee ---
// --- chat ---
import { ChatService } from './chat/service'
// --- /chat ---
// MCP aggregator (issue #5)
import { Aggregator } from './aggregator/service'
// --- models ---
import { ModelRegistry } from './providers/model-registry'
import { modelRepo } from './providers/model-repo'
// --- /models ---

export type HubOptions = {
  configPath?: string
  dataDir: string
  env: Record<string, string | undefined>
  host?: string
  port?: number
  /** Where log lines go (stderr by default); tests capture them. */
  logSink?: (line: string) => void
  /** Where the one-time admin token is printed (stdout by default). */
  print?: (line: string) => void
}

export type Hub = {
  services: Services
  app: App
  url: string
  stop(): Promise<void>
}

/**
 * Builds every service in dependency order, starts them, listens, and returns a `stop` that undoes
 * it all in reverse. Nothing here runs at import time.
 */
export async function startHub(opts: HubOptions): Promise<Hub> {
  const startedAt = Date.now()
  const envLevel = parseLevel(opts.env.HEARTH_LOG_LEVEL)
  // admin panel: every (already masked) line also goes to an in-memory ring for the live tail.
  const logRing = new LogRing(500)
  const sink = opts.logSink ?? ((line: string) => process.stderr.write(line + '\n'))
  const log = createLogger({
    level: envLevel ?? 'info',
    sink: (line) => {
      sink(line)
      logRing.push(line)
    },
  })
  if (opts.env.HEARTH_LOG_LEVEL?.trim() && !envLevel) {
    log.warn('HEARTH_LOG_LEVEL ignored: not one of debug, info, warn, error', { value: opts.env.HEARTH_LOG_LEVEL })
  }
  const bus = new EventBus((err, event) => log.error('event listener failed', { event: event.type, error: err }))
  const stoppers: (() => unknown)[] = []
  const stop = async () => {
    for (const fn of stoppers.splice(0).reverse()) {
      try {
        await fn()
      } catch (err) {
        log.error('stop failed', { error: err })
      }
    }
  }
  try {
    const db = openDatabase(join(resolve(opts.dataDir), 'hearth.db'))
    stoppers.push(() => db.close())
    const config = new ConfigService({ path: opts.configPath, env: opts.env, store: sqliteOverrideStore(db.db), bus, log: log.child('config') })
    config.load()
    applyLogLevel(log, config, opts.env)
    bus.on('config_changed', () => applyLogLevel(log, config, opts.env))
    config.start()
    stoppers.push(() => config.stop())

    const health = new HealthRegistry()
    const stats = new StatsRegistry()
    health.register('database', () => {
      db.sqlite.query('SELECT 1').get()
      return { status: 'ok' }
    }, { critical: true })

    // Security: tokens, sessions, limits and the audit log. The tool registry reports every call
    // to `auth.audit.record` (Registry option `onCall`), wherever the registry is built.
    const auth = new AuthService({ db: db.db, log: log.child('auth'), enabled: () => config.current.auth.enabled, config: () => config.current })
    auth.bootstrap(opts.env.HEARTH_ADMIN_TOKEN, opts.print ?? ((line) => console.log(line)))
    auth.start()
    stoppers.push(() => auth.stop())

    // providers (issue #3): reads the live config on every call; SDKs load on first use.
    const providers = new ProviderService({ config, bus, log: log.child('providers') })
    providers.start()
    stoppers.push(() => providers.stop())
    health.register('providers', () => providers.health())

    // --- mcp ---
    const switches = toolSwitchRepo(db.db)
    const tools = new Registry({ disabled: switches.disabled(), onToggle: (name, enabled) => switches.set(name, enabled), onCall: auth.audit.record })
    tools.onChange(({ kind }) => bus.emit({ type: kind === 'tools' ? 'tools_changed' : kind === 'prompts' ? 'prompts_changed' : 'resources_changed' }))
    registerBuiltins(tools, { config, db: db.db, log: log.child('tools'), providers })
    const mcp = new McpService({ registry: tools, log: log.child('mcp') })
    mcp.start()
    stoppers.push(() => mcp.stop())
    stats.register('mcp', () => ({ tools: tools.list({ includeDisabled: true }).length, sessions: mcp.sessionCount }))
    // --- /mcp ---

    // --- zigbee --- start() never waits for the broker: it dials in the background. Before the
    // aggregator, so the home tools are built-ins an upstream's names yield to.
    const zigbee = new ZigbeeService({ config: () => config.current.home, db: db.db, bus, log: log.child('zigbee'), tools })
    await zigbee.start()
    stoppers.push(() => zigbee.stop())
    health.register('home', () => zigbee.health())
    stats.register('home', () => zigbee.stats())
    // --- /zigbee ---

    // MCP aggregator (issue #5): external servers' tools enter the registry after the built-ins
    // (which keep their names); stopped before /mcp and the registry.
    const aggregator = new Aggregator({ registry: tools, config, bus, db: db.db, log: log.child('aggregator'), env: opts.env })
    aggregator.start()
    stoppers.push(() => aggregator.stop())
    health.register('mcp_servers', () => aggregator.health())
    stats.register('mcp_servers', () => aggregator.stats())

    // --- chat ---
    const chat = new ChatService({ config, db, log: log.child('chat'), bus, providers, registry: tools })
    chat.start()
    stoppers.push(() => chat.stop())
    health.register('chat', () => ({ status: 'ok', ...chat.stats() }))
    stats.register('chat', () => chat.stats())
    // --- /chat ---
    // --- zigbee --- rooms, device names and kinds (no state) in every chat's system context
    chat.addContext(() => zigbee.overview())
    // --- /zigbee ---

    // --- models --- registered models over the providers; no state to start or stop.
    const models = new ModelRegistry({ repo: modelRepo(db.db), providers, log: log.child('models') })
    stats.register('models', () => ({ registered: models.list().filter((m) => !m.read_only).length }))
    // --- /models ---

    const services: Services = { config, log, bus, db, health, stats, auth, startedAt, providers, tools, mcp, aggregator, chat, zigbee, logRing, models }
    const app = createApp(services)
    const host = opts.host ?? config.current.server.host
    const port = opts.port ?? config.current.server.port
    app.listen({ hostname: host, port })
    stoppers.push(() => app.stop(true))
    const server = app.server!
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${server.port}`
    log.info('listening', { url: `http://${host}:${server.port}`, ms: Date.now() - startedAt })
    return { services, app, url, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

function applyLogLevel(log: Logger, config: ConfigService, env: Record<string, string | undefined>): void {
  const level = parseLevel(env.HEARTH_LOG_LEVEL) ?? config.current.log.level ?? 'info'
  log.setLevel(level, config.current.log.levels)
}
