import type { McpServerConfig } from '../core/config'
import type { Logger } from '../core/log'
import { backoffDelay, type BackoffOptions } from './backoff'
import { checkPrompts, checkResources, checkTemplates, checkTools, type Skipped, type UpstreamPrompt, type UpstreamResource, type UpstreamTemplate, type UpstreamTool } from './tool-guard'
import type { ServerState } from './types'
import { errorText, type ListKind, type ToolSource } from './upstream'

export type Catalog = { tools: UpstreamTool[]; prompts: UpstreamPrompt[]; resources: UpstreamResource[]; templates: UpstreamTemplate[] }
const EMPTY: Catalog = { tools: [], prompts: [], resources: [], templates: [] }

export type RunnerOptions = {
  name: string
  log: Logger
  makeSource(spec: McpServerConfig): ToolSource
  backoff: BackoffOptions
  /** Up this long, a later failure starts the backoff from the beginning again. */
  stableMs: number
  /** HTTP upstreams are pinged this often; a failed ping counts as the connection lost. */
  pingMs: number
  /** The catalog changed (listed, re-listed, or emptied because the server went down). */
  onCatalog(): void
  onState(state: ServerState, error?: string): void
}

/**
 * One external server's life: connect, list, watch, and on failure back off and try again until
 * stopped. Every async step carries the generation it started in; anything that finishes after a
 * stop or restart sees a newer generation and cleans up after itself instead of resurrecting.
 */
export class ServerRunner {
  state: ServerState = 'stopped'
  catalog: Catalog = EMPTY
  skipped: Skipped[] = []
  source?: ToolSource
  lastError: string | null = null
  restarts = 0
  calls = 0
  lastCallMs: number | null = null
  nextRetryAt: number | null = null
  private attempt = 0
  private gen = 0
  private readySince = 0
  private retryTimer?: ReturnType<typeof setTimeout>
  private pingTimer?: ReturnType<typeof setInterval>
  private relisting = new Map<ListKind, Promise<void>>()
  private relistAgain = new Set<ListKind>()
  /** Sources being closed (their process trees ending); stop() waits for all of them. */
  private closing = new Set<Promise<void>>()

  constructor(
    public spec: McpServerConfig,
    private opts: RunnerOptions,
  ) {}

  get name(): string {
    return this.opts.name
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'failed') return
    this.attempt = 0
    void this.connect(++this.gen)
  }

  /** Marks a spec that can never run (no command and no url) without trying. */
  fail(reason: string): void {
    if (this.state === 'failed' && this.lastError === reason) return
    this.gen++
    this.lastError = reason
    this.setState('failed', reason)
  }

  async stop(): Promise<void> {
    this.gen++
    clearTimeout(this.retryTimer)
    clearInterval(this.pingTimer)
    this.nextRetryAt = null
    const source = this.source
    this.source = undefined
    const hadCatalog = this.catalog !== EMPTY
    this.catalog = EMPTY
    if (this.state !== 'stopped') this.setState('stopped')
    if (hadCatalog) this.opts.onCatalog()
    if (source) this.close(source)
    await Promise.all([...this.closing])
  }

  private close(source: ToolSource): Promise<void> {
    const p = source.close().catch((err) => this.opts.log.warn('closing the upstream failed', { server: this.name, error: errorText(err) }))
    this.closing.add(p)
    void p.finally(() => this.closing.delete(p))
    return p
  }

  private async connect(gen: number): Promise<void> {
    this.nextRetryAt = null
    this.setState('starting')
    const source = this.opts.makeSource(this.spec)
    source.onDown = (reason) => void this.down(gen, source, reason)
    source.onListChanged = (kind) => void this.relist(gen, kind)
    this.source = source
    try {
      await source.connect(this.spec.timeout_ms)
      if (gen !== this.gen) return void (await this.close(source))
      const catalog = await this.listAll(source)
      if (gen !== this.gen) return void (await this.close(source))
      this.catalog = catalog
      this.readySince = Date.now()
      this.lastError = null
      this.setState('ready')
      this.opts.onCatalog()
      if (source.info.transport !== 'stdio') this.watch(gen, source)
    } catch (err) {
      if (gen !== this.gen) return void (await this.close(source))
      await this.down(gen, source, errorText(err))
    }
  }

  private async down(gen: number, source: ToolSource, reason: string): Promise<void> {
    if (gen !== this.gen || this.source !== source) return
    const next = ++this.gen
    clearInterval(this.pingTimer)
    this.source = undefined
    this.lastError = reason
    if (this.readySince && Date.now() - this.readySince >= this.opts.stableMs) this.attempt = 0
    this.readySince = 0
    const hadCatalog = this.catalog !== EMPTY
    this.catalog = EMPTY
    const delay = backoffDelay(this.attempt++, this.opts.backoff)
    this.nextRetryAt = Date.now() + delay
    this.opts.log.warn('MCP server down; retrying', { server: this.name, error: reason, retry_in_ms: delay, attempt: this.attempt })
    this.setState('backoff', reason)
    if (hadCatalog) this.opts.onCatalog()
    // Ends the process tree of a dead stdio server too: a child killed by -9 may leave grandchildren.
    await this.close(source)
    if (next !== this.gen) return
    this.retryTimer = setTimeout(() => {
      if (next !== this.gen) return
      this.restarts++
      void this.connect(++this.gen)
    }, delay)
  }

  private watch(gen: number, source: ToolSource): void {
    this.pingTimer = setInterval(() => {
      if (gen !== this.gen) return clearInterval(this.pingTimer)
      source.ping(Math.min(this.spec.timeout_ms, 10_000)).catch((err) => void this.down(gen, source, `ping failed: ${errorText(err)}`))
    }, this.opts.pingMs)
  }

  private async listAll(source: ToolSource): Promise<Catalog> {
    const t = this.spec.timeout_ms
    const skipped: Skipped[] = []
    // Prompts and resources are extras: a server that fails to list them still serves its tools.
    const soft = (kind: 'prompts' | 'resources' | 'templates') =>
      source.list(kind, t).catch((err) => {
        skipped.push({ kind, name: '*', reason: `listing failed: ${errorText(err)}` })
        return []
      })
    const [tools, prompts, resources, templates] = await Promise.all([source.list('tools', t), soft('prompts'), soft('resources'), soft('templates')])
    const catalog = {
      tools: checkTools(tools, skipped),
      prompts: checkPrompts(prompts, skipped),
      resources: checkResources(resources, skipped),
      templates: checkTemplates(templates, skipped),
    }
    this.reportSkipped(skipped)
    this.skipped = skipped
    return catalog
  }

  /** list_changed from upstream: re-list that kind; notifications arriving meanwhile coalesce. */
  private async relist(gen: number, kind: ListKind): Promise<void> {
    if (gen !== this.gen || this.state !== 'ready') return
    if (this.relisting.has(kind)) {
      this.relistAgain.add(kind)
      return
    }
    const run = (async () => {
      do {
        this.relistAgain.delete(kind)
        const source = this.source
        if (!source || gen !== this.gen) return
        try {
          const skipped = this.skipped.filter((s) => !kindsOf(kind).includes(s.kind))
          const t = this.spec.timeout_ms
          const next = { ...this.catalog }
          if (kind === 'tools') next.tools = checkTools(await source.list('tools', t), skipped)
          if (kind === 'prompts') next.prompts = checkPrompts(await source.list('prompts', t), skipped)
          if (kind === 'resources') {
            next.resources = checkResources(await source.list('resources', t), skipped)
            next.templates = checkTemplates(await source.list('templates', t), skipped)
          }
          if (gen !== this.gen) return
          this.reportSkipped(skipped.filter((s) => kindsOf(kind).includes(s.kind)))
          this.skipped = skipped
          this.catalog = next
          this.opts.onCatalog()
        } catch (err) {
          this.opts.log.warn('re-listing failed', { server: this.name, kind, error: errorText(err) })
        }
      } while (this.relistAgain.has(kind))
    })().finally(() => this.relisting.delete(kind))
    this.relisting.set(kind, run)
    await run
  }

  private reportSkipped(skipped: Skipped[]): void {
    for (const s of skipped) this.opts.log.warn('upstream entry skipped', { server: this.name, kind: s.kind, name: s.name, reason: s.reason })
  }

  private setState(state: ServerState, error?: string): void {
    this.state = state
    this.opts.onState(state, error)
  }
}

const kindsOf = (kind: ListKind) => (kind === 'resources' ? ['resources', 'resource templates'] : [kind])
