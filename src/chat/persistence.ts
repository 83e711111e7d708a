import type { StoredUsage } from '../db/schema'
import type { ToolCall } from '../providers/types'
import type { ChatRepo, MessagePatch } from './repo'
import type { ToolRecord } from './tool-run'

/**
 * Flushes a streaming answer to its `streaming` row every `intervalMs`, or at once when
 * `minChars` new characters are waiting, so a crash (kill -9) loses at most one interval. A
 * `streaming` row is kept out of the search index (migration 0002): it is indexed once, when it ends.
 */
export class PartialWriter {
  text = ''
  thinking = ''
  private pending = 0
  private savedText = 0
  private savedThinking = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor(
    private repo: ChatRepo | null,
    readonly messageId: string,
    private opts: { intervalMs: number; minChars: number },
  ) {}

  add(kind: 'text' | 'thinking', delta: string): void {
    if (kind === 'text') this.text += delta
    else this.thinking += delta
    if (!this.repo || this.closed) return
    this.pending += delta.length
    // SQLite rewrites a whole row (overflow pages included) on every update, so the early,
    // size-triggered flush waits until the saved text would grow fourfold: O(n) bytes written for
    // an n-char answer instead of O(n²/min_chars). The timer still flushes every interval, which
    // is what bounds the loss in a crash.
    if (this.pending >= Math.max(this.opts.minChars, 3 * (this.savedText + this.savedThinking))) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.opts.intervalMs)
  }

  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (!this.repo || this.closed || this.pending === 0) return
    this.pending = 0
    // Appends only what is new: a long answer is not re-sent whole every interval.
    this.repo.appendToMessage(this.messageId, this.text.slice(this.savedText), this.thinking.slice(this.savedThinking))
    this.savedText = this.text.length
    this.savedThinking = this.thinking.length
  }

  /** The final write: status and whatever else the turn learned. */
  finish(patch: MessagePatch): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.closed) return
    this.closed = true
    this.repo?.updateMessage(this.messageId, { content: this.text, thinking: this.thinking, ...patch })
  }
}

/** Writes one turn's rows: the streaming answer, tool-call rows and tool results (TurnRecorder). */
export class DbRecorder {
  private writer: PartialWriter
  private images: { mime: string; data: string }[] = []

  constructor(
    private repo: ChatRepo,
    private conversationId: string,
    private opts: { intervalMs: number; minChars: number },
  ) {
    this.writer = this.open()
  }

  get messageId(): string {
    return this.writer.messageId
  }

  add(kind: 'text' | 'thinking', delta: string): void {
    this.writer.add(kind, delta)
  }

  addImage(image: { mime: string; data: string }): void {
    this.images.push(image)
    this.repo.updateMessage(this.writer.messageId, { images: [...this.images] })
  }

  toolHop(calls: ToolCall[], results: ToolRecord[], meta: { provider: string; model: string }): void {
    this.writer.finish({ status: 'complete', provider: meta.provider, model: meta.model, toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args })) })
    for (const r of results) {
      this.repo.insertMessage({ conversationId: this.conversationId, role: 'tool', content: r.content, toolCallId: r.id, status: r.isError ? 'error' : 'complete' })
    }
    this.images = []
    this.writer = this.open()
  }

  finish(status: 'complete' | 'error' | 'cancelled', meta: { provider?: string; model?: string; usage?: StoredUsage; error?: string; firstTokenMs?: number }): void {
    const created = this.repo.getMessage(this.writer.messageId)?.createdAt.getTime() ?? Date.now()
    this.writer.finish({
      status,
      provider: meta.provider ?? null,
      model: meta.model ?? null,
      usage: meta.usage ?? null,
      error: meta.error ?? null,
      firstTokenMs: meta.firstTokenMs ?? null,
      durationMs: Date.now() - created,
    })
  }

  private open(): PartialWriter {
    const row = this.repo.insertMessage({ conversationId: this.conversationId, role: 'assistant', status: 'streaming' })
    return new PartialWriter(this.repo, row.id, this.opts)
  }
}
