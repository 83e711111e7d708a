import type { ConfigService, McpServerConfig } from '../core/config'
import { BadRequest, Conflict, HearthError, NotFound, TimedOut, Unavailable, UpstreamFailed } from '../core/errors'
import type { EventBus } from '../core/events'
import type { HealthEntry } from '../core/health'
import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import { errorResult, type ToolContext, type ToolRegistry, type ToolResult } from '../mcp/types'
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff'
import { defaultHost, type CommandHost } from './command'
import { Exposure, type ToolRoute } from './exposure'
import { AggregatorRepo } from './repo'
import { cacheKey, ResultCache } from './result-cache'
import { ServerRunner } from './server-runner'
import { connectionKey, SERVER_NAME, specProblem, transportOf, upstreamSpec, validateSpec } from './spec'
import type { ServerStatus, ServerTool } from './types'
import { errorText, isTimeout, McpUpstream, type CallOptions, type ToolSource } from './upstream'

export type AggregatorOptions = {
  registry: ToolRegistry
  config: ConfigService
  bus: EventBus
  db: Db
  log: Logger
  /** The hub's environment: stdio children get a safe subset of it (command.ts). */
  env: Record<string, string | undefined>
  commandHost?: CommandHost
  backoff?: Partial<BackoffOptions>
  stableMs?: number
  pingMs?: number
  /** SIGTERM → SIGKILL grace when ending a stdio server's process tree (default 1 s, inside the CLI's 2 s stop deadline). */
  killGraceMs?: number
  /** Swap the SDK connection for something else (tests, other kinds of sources). */
  makeSource?: (name: string, spec: McpServerConfig, log: Logger) => ToolSource
}

type Entry = { runner: ServerRunner; origin: 'config' | 'api'; key: string; cache: ResultCache; switches: Map<string, boolean> }

/**
 * External MCP servers (SPEC §5): the config file's `mcp.servers` (with its servers_file) plus
 * those added at run time (SQLite), each kept connected by a ServerRunner, their catalogs exposed
 * in the one registry through Exposure, and calls routed back by its tables.
 *
 * Switching a config-file server on or off at run time is stored as a config override
 * (`mcp.servers.<name>.enabled`): it shows as an override in the admin panel, `hearth config
 * reset` drops it, and it takes effect through the same `config_changed` path as a YAML edit.
 * A run-time server's switch is part of its stored spec.
 */
export class Aggregator {
  private entries = new Map<string, Entry>()
  private exposure: Exposure
  private repo: AggregatorRepo
  private log: Logger
  private offConfig?: () => void
  private offToggles?: () => void
  private started = false
  /** Process groups of running stdio servers: killed outright if the hub exits without stop(). */
  private groups = new Set<number>()
  private onExit = () => {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }

  constructor(private opts: AggregatorOptions) {
    this.log = opts.log
    this.repo = new AggregatorRepo(opts.db)
    this.exposure = new Exposure(opts.registry, {
      callTool: (exposed, route, args, ctx) => this.callTool(exposed, route, args, ctx),
      getPrompt: (server, prompt, args, ctx) => this.withSource(server, ctx, (s, o) => s.getPrompt(prompt, args, o)),
      readResource: (server, uri, ctx) => this.withSource(server, ctx, (s, o) => s.readResource(uri, o)),
    })
  }

  /** Starts every enabled server without waiting for them: a slow upstream never delays the hub. */
  start(): void {
    if (this.started) return
    this.started = true
    // Servers live in their own process groups, so nothing else ends them if the hub dies early
    // (the CLI's stop deadline, an uncaught error): the exit hook does.
    process.on('exit', this.onExit)
    this.offConfig = this.opts.bus.on('config_changed', (e) => {
      if (e.changes.some((c) => c.key.startsWith('mcp.servers'))) this.reconcile()
    })
    this.offToggles = this.exposure.watchToggles((server, tool, enabled) => {
      const e = this.entries.get(server)
      if (!e) return
      this.repo.setToolSwitch(server, tool, enabled)
      e.switches.set(tool, enabled)
    })
    this.reconcile()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.offConfig?.()
    this.offToggles?.()
    await Promise.all([...this.entries.values()].map((e) => e.runner.stop()))
    this.entries.clear()
    this.exposure.sync([])
    process.off('exit', this.onExit)
  }

  list(): ServerStatus[] {
    return [...this.entries.keys()].sort().map((name) => this.status(name))
  }

  status(name: string): ServerStatus {
    const e = this.entry(name)
    const r = e.runner
    const info = r.source?.info
    return {
      name,
      origin: e.origin,
      enabled: r.spec.enabled,
      transport: info?.transport ?? transportOf(r.spec),
      state: r.state,
      tools: this.exposure.count(name, 'tools'),
      prompts: this.exposure.count(name, 'prompts'),
      resources: this.exposure.count(name, 'resources'),
      last_error: r.lastError,
      restarts: r.restarts,
      last_call_ms: r.lastCallMs === null ? null : Math.round(r.lastCallMs * 1000) / 1000,
      calls: r.calls,
      pid: r.state === 'ready' ? (info?.pid ?? null) : null,
      protocol: r.state === 'ready' ? (info?.protocol ?? null) : null,
      collisions: this.exposure.collisionsOf(name),
      skipped: r.skipped,
      next_retry_at: r.nextRetryAt ? new Date(r.nextRetryAt).toISOString() : null,
    }
  }

  tools(name: string): ServerTool[] {
    this.entry(name)
    return this.exposure.toolsOf(name)
  }

  /** The spec as configured, header values and env values masked (they hold tokens). */
  spec(name: string): McpServerConfig {
    const spec = this.entry(name).runner.spec
    const mask = (r: Record<string, string>) => Object.fromEntries(Object.keys(r).map((k) => [k, '***']))
    return { ...spec, headers: mask(spec.headers), env: mask(spec.env) }
  }

  add(name: string, input: Record<string, unknown>): ServerStatus {
    if (!SERVER_NAME.test(name)) throw new BadRequest(`server name must match ${SERVER_NAME}`)
    if (this.desired().has(name)) throw new Conflict(`MCP server "${name}" already exists`)
    this.repo.saveServer(name, validateSpec(input))
    this.reconcile()
    return this.status(name)
  }

  update(name: string, input: Record<string, unknown>): ServerStatus {
    this.runtimeOnly(name, 'edit')
    this.repo.saveServer(name, validateSpec(input))
    this.reconcile()
    return this.status(name)
  }

  async remove(name: string): Promise<void> {
    const e = this.runtimeOnly(name, 'remove')
    this.repo.deleteServer(name)
    this.reconcile()
    await e.runner.stop()
  }

  /** Resolves once the server's process tree is gone (disable) or its start has begun (enable). */
  async setEnabled(name: string, enabled: boolean): Promise<ServerStatus> {
    const e = this.entry(name)
    if (e.origin === 'api') {
      this.repo.saveServer(name, { ...e.runner.spec, enabled })
      this.reconcile()
    } else {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new BadRequest(`"${name}" can only be switched in the config file (its name is not a config key)`)
      this.opts.config.set(`mcp.servers.${name}.enabled`, enabled)
      // config_changed has reconciled synchronously; a bus without listeners would not have.
      this.reconcile()
    }
    if (!enabled) await e.runner.stop()
    return this.status(name)
  }

  /** `tool` is the upstream's own name or its exposed name. Persisted across restarts. */
  setToolEnabled(name: string, tool: string, enabled: boolean): ServerTool {
    const e = this.entry(name)
    const found = this.exposure.toolsOf(name).find((t) => t.name === tool || t.exposed === tool)
    if (!found) throw new NotFound(`MCP server "${name}" has no tool "${tool}" (is it connected?)`)
    this.repo.setToolSwitch(name, found.name, enabled)
    e.switches.set(found.name, enabled)
    this.sync()
    return this.exposure.toolsOf(name).find((t) => t.name === found.name)!
  }

  health(): HealthEntry {
    const servers = Object.fromEntries(
      this.list().map((s) => [s.name, { state: s.state, tools: s.tools, last_error: s.last_error, restarts: s.restarts, last_call_ms: s.last_call_ms }]),
    )
    const enabled = this.list().filter((s) => s.enabled)
    const status = enabled.length === 0 ? 'disabled' : enabled.every((s) => s.state === 'ready') ? 'ok' : 'degraded'
    return { status, servers }
  }

  stats(): Record<string, unknown> {
    const all = this.list()
    return {
      servers: all.length,
      ready: all.filter((s) => s.state === 'ready').length,
      tools: all.reduce((n, s) => n + s.tools, 0),
      calls: all.reduce((n, s) => n + s.calls, 0),
      restarts: all.reduce((n, s) => n + s.restarts, 0),
    }
  }

  /** Makes the running set match config ∪ stored servers; idempotent. */
  reconcile(): void {
    if (!this.started) return
    const desired = this.desired()
    for (const [name, e] of this.entries) {
      const want = desired.get(name)
      if (!want || connectionKey(want.spec) !== e.key) {
        this.entries.delete(name)
        void e.runner.stop()
      }
    }
    for (const [name, { spec, origin }] of desired) {
      let e = this.entries.get(name)
      if (!e) {
        e = { runner: this.runner(name, spec), origin, key: connectionKey(spec), cache: new ResultCache(), switches: this.repo.toolSwitches(name) }
        this.entries.set(name, e)
      }
      const before = e.runner.spec
      e.runner.spec = spec
      e.origin = origin
      if (before.cache_ttl_s !== spec.cache_ttl_s) e.cache.clear()
      const problem = specProblem(spec)
      if (!spec.enabled) void e.runner.stop()
      else if (problem) e.runner.fail(problem)
      else e.runner.start()
      if (JSON.stringify(before.disabled_tools) !== JSON.stringify(spec.disabled_tools)) this.sync()
    }
  }

  private desired(): Map<string, { spec: McpServerConfig; origin: 'config' | 'api' }> {
    const out = new Map<string, { spec: McpServerConfig; origin: 'config' | 'api' }>()
    for (const { name, spec } of this.repo.listServers()) {
      try {
        out.set(name, { spec: validateSpec(spec as Record<string, unknown>), origin: 'api' })
      } catch (err) {
        this.log.error('stored MCP server is invalid; ignored', { server: name, error: errorText(err) })
      }
    }
    for (const [name, spec] of Object.entries(this.opts.config.current.mcp.servers)) {
      // An `enabled` override left behind for a server since deleted from the file has no body.
      if (!spec.command && !spec.url && !spec.enabled) continue
      if (out.has(name)) this.log.warn('MCP server defined in the config file and at run time; the file wins', { server: name })
      out.set(name, { spec: spec as McpServerConfig, origin: 'config' })
    }
    return out
  }

  private runner(name: string, spec: McpServerConfig): ServerRunner {
    const log = this.log.child('aggregator', { server: name })
    const make = this.opts.makeSource ?? ((n: string, s: McpServerConfig, l: Logger) =>
      new McpUpstream(upstreamSpec(s, this.opts.env, { host: this.opts.commandHost ?? defaultHost(), killGraceMs: this.opts.killGraceMs ?? 1000, groups: this.groups }), l))
    return new ServerRunner(spec, {
      name,
      log,
      makeSource: (s) => make(name, s, log),
      backoff: { ...DEFAULT_BACKOFF, ...this.opts.backoff },
      stableMs: this.opts.stableMs ?? 30_000,
      pingMs: this.opts.pingMs ?? 30_000,
      onCatalog: () => this.sync(),
      onState: (state, error) => {
        this.log.info('MCP server state', { server: name, state, ...(error ? { error } : {}) })
        this.opts.bus.emit({ type: 'mcp_server_status', server: name, state, ...(error ? { error } : {}) })
      },
    })
  }

  private sync(): void {
    const views = [...this.entries.values()]
      .filter((e) => e.runner.state === 'ready')
      .map((e) => ({
        name: e.runner.name,
        catalog: e.runner.catalog,
        enabled: (tool: string) => e.switches.get(tool) ?? !e.runner.spec.disabled_tools.includes(tool),
      }))
    this.exposure.sync(views)
  }

  private async callTool(exposed: string, route: ToolRoute, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    const e = this.entries.get(route.server)
    const ttlMs = (e?.runner.spec.cache_ttl_s ?? 0) * 1000
    const cacheable = ttlMs > 0 && route.annotations?.readOnlyHint === true && route.annotations.idempotentHint === true
    const key = cacheable ? cacheKey(route.tool, args) : ''
    if (cacheable) {
      const hit = e!.cache.get(key, ttlMs)
      if (hit) return hit
    }
    let result: ToolResult
    try {
      result = await this.withSource(route.server, ctx, (s, o) => s.callTool(route.tool, args, { ...o, definition: route.definition }), route.tool)
    } catch (err) {
      // Tool failures are answers the model can read, never exceptions (SPEC §4).
      if (err instanceof HearthError) return errorResult(err.message)
      throw err
    }
    if (cacheable && !result.isError) e!.cache.set(key, result)
    return result
  }

  /** Routes one request to a server; any failure is a typed error whose message names the server. */
  private async withSource<T>(server: string, ctx: ToolContext, fn: (s: ToolSource, o: CallOptions) => Promise<T>, what = 'the request'): Promise<T> {
    const e = this.entries.get(server)
    const r = e?.runner
    if (!r || r.state !== 'ready' || !r.source) {
      const why = r ? `${r.state}${r.lastError ? `: ${r.lastError}` : ''}` : 'removed'
      throw new Unavailable(`MCP server "${server}" is not connected (${why})`)
    }
    const timeoutMs = r.spec.timeout_ms
    const t0 = performance.now()
    try {
      return await fn(r.source, { signal: ctx.signal, timeoutMs, onProgress: ctx.progress })
    } catch (err) {
      if (ctx.signal.aborted) throw new HearthError('cancelled', `call to ${what} on MCP server "${server}" was cancelled`, 499)
      if (isTimeout(err)) throw new TimedOut(`MCP server "${server}" timed out: no answer to ${what} within ${timeoutMs} ms`)
      throw new UpstreamFailed(`MCP server "${server}" failed on ${what}: ${errorText(err)}`)
    } finally {
      r.calls++
      r.lastCallMs = performance.now() - t0
    }
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name)
    if (!e) throw new NotFound(`no MCP server "${name}"`)
    return e
  }

  private runtimeOnly(name: string, verb: string): Entry {
    const e = this.entry(name)
    if (e.origin === 'config') throw new Conflict(`MCP server "${name}" comes from the config file; ${verb} it there (or switch it off here)`)
    return e
  }
}
