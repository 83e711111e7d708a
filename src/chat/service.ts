import type { ConfigService } from '../core/config'
import { BadRequest, Conflict, NotFound, RateLimited, errorMessage } from '../core/errors'
import type { EventBus, HearthEvent } from '../core/events'
import type { Logger } from '../core/log'
import type { DbHandle } from '../db/client'
import type { ToolRegistry } from '../mcp/types'
import type { ChatMessage, ChatParams, Providers, ToolSpec } from '../providers/types'
import { buildContext } from './context'
import { Fanout, conversationTopic, eventTopic, type ChatSocket } from './fanout'
import { makeImage, type ImageOptions } from './image'
import { DbRecorder } from './persistence'
import { ChatRepo, type MessageRow } from './repo'
import type { ServerFrame } from './schema'
import { callToolDefinition, CALL_TOOL, selectTools } from './tool-selection'
import { runTurn, type TurnResult } from './turn'
import type { ChatApi, ChatStats, ContextContributor, ConversationSummary, MessageView } from './types'

export type ChatServiceDeps = {
  config: ConfigService
  db: DbHandle
  log: Logger
  bus: EventBus
  providers: Providers | null
  registry: ToolRegistry | null
  /** A socket whose unsent frames exceed this is closed (1013). */
  maxBufferedBytes?: number
}

export type AskOptions = {
  text: string
  conversationId?: string
  provider?: string
  model?: string
  params?: ChatParams
  requestId?: string
  actor: string
  /** The caller's token id: `auth.streams_per_token` counts per token. */
  tokenId?: string | null
  /** Called once the conversation is known, before any frame: the asker subscribes here. */
  onConversation?: (id: string) => void
  /** Frames go here instead of the conversation topic (the compat dialect's own socket). */
  emit?: (frame: ServerFrame) => void
}

type ActiveTurn = { conversationId: string; requestId?: string; ctl: AbortController; tokenId?: string | null; private: boolean; done?: Promise<unknown> }

const SWEEP_EVERY_MS = 10 * 60_000
const HISTORY_ROWS_FOR_CONTEXT = 400
const EVENT_TOPICS: Partial<Record<HearthEvent['type'], string>> = {
  device_state: 'devices',
  device_availability: 'devices',
  devices_changed: 'devices',
  config_changed: 'config',
}

export function messageView(r: MessageRow): MessageView {
  const v: MessageView = { id: r.id, role: r.role, content: r.content, status: r.status, created_at: r.createdAt.toISOString() }
  if (r.thinking) v.thinking = r.thinking
  if (r.toolCalls?.length) v.tool_calls = r.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }))
  if (r.toolCallId) v.tool_call_id = r.toolCallId
  if (r.images?.length) v.images = r.images
  if (r.usage) v.usage = r.usage
  if (r.provider) v.provider = r.provider
  if (r.model) v.model = r.model
  if (r.error) v.error = r.error
  if (r.firstTokenMs !== null) v.first_token_ms = r.firstTokenMs
  if (r.durationMs !== null) v.duration_ms = r.durationMs
  return v
}

/**
 * Conversations, turns and their fan-out. No Elysia here: the WebSocket layer hands in sockets
 * and frames, the OpenAI-compatible layer calls `complete`, and both share `runTurn`.
 *
 * A closed socket does not stop a turn that other sockets still watch: the answer is still being
 * paid for and someone is reading it. When the last subscriber of a conversation goes, its turn is
 * aborted (and kept as `cancelled`); an explicit `cancel` always aborts.
 */
export class ChatService implements ChatApi {
  readonly repo: ChatRepo
  readonly fanout: Fanout
  private active = new Map<string, ActiveTurn>()
  private contributors = new Set<ContextContributor>()
  private offs: (() => void)[] = []
  private sweepTimer: ReturnType<typeof setInterval> | undefined
  private gcTimer: ReturnType<typeof setTimeout> | undefined
  private peakConnections = 0
  private toolCache: { max: number; specs: ToolSpec[] } | null = null
  private log: Logger
  get logger(): Logger {
    return this.log
  }
  /** Streamed characters per second-long bucket, for the tokens/s gauge. */
  private rate = { second: 0, chars: 0, last: 0 }

  constructor(private deps: ChatServiceDeps) {
    this.repo = new ChatRepo(deps.db.db)
    this.log = deps.log
    this.fanout = new Fanout({
      maxBufferedBytes: deps.maxBufferedBytes ?? 4 * 1024 * 1024,
      onSlow: () => this.log.warn('closed a client that could not keep up (1013)'),
    })
  }

  start(): void {
    const interrupted = this.repo.markInterrupted()
    if (interrupted) this.log.warn('marked answers interrupted by the last stop', { messages: interrupted })
    this.sweep()
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_EVERY_MS)
    this.sweepTimer.unref?.()
    this.offs.push(this.deps.bus.onAny((e) => this.onEvent(e)))
    const reg = this.deps.registry
    if (reg) this.offs.push(reg.onChange(() => (this.toolCache = null)))
    if (reg && !reg.has(CALL_TOOL)) this.offs.push(reg.register(callToolDefinition(reg)))
  }

  /** Aborts running answers and waits (briefly) for their final rows, before the database closes. */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer)
    clearTimeout(this.gcTimer)
    this.sweepTimer = undefined
    for (const off of this.offs.splice(0)) off()
    const running = [...this.active.values()]
    for (const t of running) t.ctl.abort()
    await Promise.race([Promise.allSettled(running.map((t) => t.done)), Bun.sleep(2000)])
  }

  addContext(fn: ContextContributor): () => void {
    this.contributors.add(fn)
    return () => this.contributors.delete(fn)
  }

  sweep(): { messages: number; conversations: number } {
    const r = this.deps.config.current.chat.retention
    try {
      const out = this.repo.sweep({ maxAgeMs: r.max_age_hours * 3_600_000, maxMessages: r.max_messages })
      if (out.messages || out.conversations) this.log.info('retention sweep', out)
      return out
    } catch (err) {
      this.log.error('retention sweep failed', { error: err })
      return { messages: 0, conversations: 0 }
    }
  }

  // --- turns -------------------------------------------------------------------------------

  /**
   * Starts an answer. Validation problems throw (the caller replies `bad_request` & co.); once the
   * user message is stored every outcome is a frame, and the returned promise settles when the
   * answer has ended.
   */
  ask(o: AskOptions): { conversationId: string; messageId: string; done: Promise<TurnResult> } {
    const cfg = this.deps.config.current
    if (o.text.length > cfg.auth.max_message_chars) throw new BadRequest(`text is longer than auth.max_message_chars (${cfg.auth.max_message_chars})`)
    if (o.tokenId) {
      let mine = 0
      for (const t of this.active.values()) if (t.tokenId === o.tokenId) mine++
      if (mine >= cfg.auth.streams_per_token) throw new RateLimited(`this token already has ${mine} answers streaming (auth.streams_per_token)`, 1)
    }
    let conversationId = o.conversationId
    if (conversationId) {
      if (!this.repo.getConversation(conversationId)) throw new NotFound(`no conversation "${conversationId}"`)
      if (this.active.has(conversationId)) throw new Conflict('an answer is still streaming in this conversation; cancel it or wait for it to end')
    } else conversationId = this.repo.createConversation(o.text.slice(0, 80)).id
    const convId = conversationId

    const rows = this.repo.history(convId, HISTORY_ROWS_FOR_CONTEXT)
    // Stored before any provider is called: an acknowledged question is never lost.
    this.repo.insertMessage({ conversationId: convId, role: 'user', content: o.text })
    const recorder = new DbRecorder(this.repo, convId, { intervalMs: cfg.chat.persistence.interval_ms, minChars: cfg.chat.persistence.min_chars })
    const ctl = new AbortController()
    const turn: ActiveTurn = { conversationId: convId, requestId: o.requestId, ctl, tokenId: o.tokenId, private: !!o.emit }
    this.active.set(convId, turn)
    o.onConversation?.(convId)
    const topic = conversationTopic(convId)
    const emit = o.emit ?? ((f: ServerFrame) => this.fanout.publish(topic, f))
    emit({ request_id: o.requestId, status: 'started', conversation_id: convId, message_id: recorder.messageId })
    this.deps.bus.emit({ type: 'conversation_changed', conversation_id: convId, change: 'message' })

    const messages = buildContext({ system: this.systemPrompt(), rows: [...rows, { role: 'user', content: o.text } as MessageRow], budget: cfg.chat.context_tokens })
    const done = runTurn({
      requestId: o.requestId,
      conversationId: convId,
      messages,
      provider: o.provider,
      model: o.model,
      params: o.params,
      tools: this.toolsFor(o.text),
      registry: this.deps.registry,
      actor: o.actor,
      signal: ctl.signal,
      emit,
      recorder,
      providers: this.deps.providers,
      config: cfg,
      log: this.log,
      onChars: (n) => this.count(n),
    })
      .catch((err) => {
        // runTurn reports every failure as a frame; reaching here is a bug, still not a crash.
        this.log.error('turn failed', { error: err })
        recorder.finish('error', { error: errorMessage(err) })
        emit({ request_id: o.requestId, conversation_id: convId, status: 'error', error: { code: 'internal', message: 'internal error' } })
        return { status: 'error', text: '', thinking: '', tools: [] } as TurnResult
      })
      .finally(() => {
        this.active.delete(convId)
        this.deps.bus.emit({ type: 'conversation_changed', conversation_id: convId, change: 'message' })
      })
    turn.done = done
    return { conversationId: convId, messageId: recorder.messageId, done }
  }

  /** The OpenAI-compatible surface: the caller holds the history, nothing is stored. */
  complete(o: { messages: ChatMessage[]; provider?: string; model?: string; params?: ChatParams; tools: boolean; actor: string; signal: AbortSignal; emit: (f: ServerFrame) => void }): Promise<TurnResult> {
    const cfg = this.deps.config.current
    const lastUser = [...o.messages].reverse().find((m) => m.role === 'user')?.content ?? ''
    const messages = o.messages[0]?.role === 'system' ? o.messages : [{ role: 'system' as const, content: this.systemPrompt() }, ...o.messages]
    return runTurn({
      messages,
      provider: o.provider,
      model: o.model,
      params: o.params,
      tools: o.tools ? this.toolsFor(lastUser) : [],
      registry: this.deps.registry,
      actor: o.actor,
      signal: o.signal,
      emit: o.emit,
      recorder: null,
      providers: this.deps.providers,
      config: cfg,
      log: this.log,
      onChars: (n) => this.count(n),
    })
  }

  /** `cancel`: aborts the running answer of a conversation. False when none runs. */
  cancel(conversationId: string): boolean {
    const t = this.active.get(conversationId)
    if (!t) return false
    t.ctl.abort()
    return true
  }

  /**
   * Once a crowd of sockets has gone (a load spike, a reconnect storm), collect garbage, so memory
   * returns to near idle instead of staying at its peak (a Pi has little to spare). Debounced, and
   * only when at most a tenth of the peak is still connected: a full collection pauses the loop.
   */
  socketClosed(): void {
    const now = this.fanout.connections
    this.peakConnections = Math.max(this.peakConnections, now + 1)
    if (this.peakConnections < 100 || now * 10 > this.peakConnections) return
    clearTimeout(this.gcTimer)
    this.gcTimer = setTimeout(() => {
      this.peakConnections = this.fanout.connections
      Bun.gc(true)
    }, 1000)
    this.gcTimer.unref?.()
  }

  /** After a socket left: abort answers nobody watches any more. */
  abandoned(topics: string[]): void {
    for (const topic of topics) {
      if (!topic.startsWith('conv:')) continue
      const id = topic.slice(5)
      const t = this.active.get(id)
      if (t && !t.private && this.fanout.listeners(topic) === 0) {
        this.log.info('no one watches the answer any more: stopping it', { conversation: id })
        t.ctl.abort()
      }
    }
  }

  /** The `image` action: a picture from the first provider of the chain that can draw. */
  image(o: ImageOptions): Promise<void> {
    return makeImage({ ...o, repo: this.repo, fanout: this.fanout, providers: this.deps.providers, config: this.deps.config.current, log: this.log })
  }

  providerNames(): string[] {
    return this.deps.providers?.list().map((p) => p.name) ?? []
  }

  providerSummaries() {
    return this.deps.providers?.list() ?? []
  }

  // --- history -----------------------------------------------------------------------------

  history(conversationId: string, limit = 50, before?: string): MessageView[] {
    if (!this.repo.getConversation(conversationId)) throw new NotFound(`no conversation "${conversationId}"`)
    return this.repo.history(conversationId, limit, before).map(messageView)
  }

  /** `clear_history`: a fresh conversation; the old one stays browsable. */
  newConversation(): string {
    return this.repo.createConversation().id
  }

  listConversations(opts: { limit?: number; offset?: number } = {}): ConversationSummary[] {
    return this.repo.listConversations(opts.limit ?? 50, opts.offset ?? 0).map((c) => ({
      id: c.id,
      title: c.title,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
      messages: c.messages,
    }))
  }

  conversation(id: string) {
    const c = this.repo.getConversation(id)
    if (!c) throw new NotFound(`no conversation "${id}"`)
    return { id: c.id, title: c.title, created_at: c.createdAt.toISOString(), updated_at: c.updatedAt.toISOString(), messages: this.repo.allMessages(id).map(messageView) }
  }

  deleteConversation(id: string): void {
    this.cancel(id)
    if (!this.repo.deleteConversation(id)) throw new NotFound(`no conversation "${id}"`)
    this.deps.bus.emit({ type: 'conversation_changed', conversation_id: id, change: 'deleted' })
  }

  // --- events, stats -----------------------------------------------------------------------

  private onEvent(e: HearthEvent): void {
    const name = EVENT_TOPICS[e.type]
    if (name) this.fanout.publish(eventTopic(name), { status: 'event', event: e })
  }

  stats(): ChatStats {
    const now = Math.floor(Date.now() / 1000)
    const recent = now - this.rate.second <= 1 ? this.rate.last : 0
    return {
      connections: this.fanout.connections,
      active_streams: this.active.size,
      tokens_per_s: Math.round(recent / 4),
      frames_sent: this.fanout.framesSent,
      slow_clients_closed: this.fanout.slowClosed,
      fanout: this.fanout.publishTimes(),
    }
  }

  private count(chars: number): void {
    const now = Math.floor(Date.now() / 1000)
    if (now !== this.rate.second) {
      this.rate.last = now - this.rate.second === 1 ? this.rate.chars : 0
      this.rate.second = now
      this.rate.chars = 0
    }
    this.rate.chars += chars
  }

  private systemPrompt(): string {
    const parts = [this.deps.config.current.chat.system_prompt]
    for (const fn of this.contributors) {
      try {
        const extra = fn()
        if (extra) parts.push(extra)
      } catch (err) {
        this.log.warn('context contributor failed', { error: err })
      }
    }
    return parts.join('\n\n')
  }

  private toolsFor(text: string): ToolSpec[] {
    const reg = this.deps.registry
    if (!reg) return []
    // The common case (every tool fits) does not depend on the text: reuse it until the registry
    // or the limit changes.
    const max = this.deps.config.current.mcp.max_tools_in_context
    if (this.toolCache?.max === max) return this.toolCache.specs
    const specs = selectTools(reg, text, max)
    if (reg.list().length <= max) this.toolCache = { max, specs }
    return specs
  }
}

export type { ChatSocket }
