import type { Principal } from '../auth/types'
import type { ConfigService } from '../core/config'
import { HearthError, errorMessage } from '../core/errors'
import type { Logger } from '../core/log'
import { conversationTopic, eventTopic, type ChatSocket } from './fanout'
import { parseFrame } from './frames'
import type {
  CancelActionFrame,
  ChatActionFrame,
  ClearHistoryActionFrame,
  CompatFrame,
  HistoryActionFrame,
  ImageActionFrame,
  ReplyFrame,
  ServerFrame,
  SubscribeActionFrame,
} from './schema'
import type { ChatService } from './service'

/**
 * One WebSocket's state and its frame handling. Every reply carries the frame's `request_id`;
 * nothing a client sends closes the socket (only falling too far behind does).
 */
export class SocketSession {
  private sock: ChatSocket
  private svc: ChatService
  private principal: Principal
  private config: ConfigService
  private log: Logger
  /** The compat dialect's session: one conversation per socket until `clear_history`. */
  private compatConversation: string | undefined
  /** request_id → conversation of the answers this socket asked for: `cancel` by request id finds only its own. */
  private asked = new Map<string, string>()

  constructor(o: { sock: ChatSocket; svc: ChatService; principal: Principal; config: ConfigService; log: Logger }) {
    this.log = o.log
    this.sock = o.sock
    this.svc = o.svc
    this.principal = o.principal
    this.config = o.config
    this.svc.fanout.add(this.sock)
  }

  onMessage(message: unknown): void {
    const parsed = parseFrame(message, this.config.current.auth.max_frame_bytes)
    try {
      if (parsed.kind === 'bad') return this.fail(parsed.requestId, 'bad_request', parsed.message)
      if (parsed.kind === 'compat') {
        try {
          return this.compat(parsed.frame)
        } catch (err) {
          const e = err instanceof HearthError ? err : null
          return this.raw({ type: 'error', code: e?.code ?? 'internal', message: e?.message ?? 'internal error' })
        }
      }
      const f = parsed.frame
      switch (parsed.action) {
        case 'chat':
          return this.chat(f as ChatActionFrame)
        case 'cancel':
          return this.cancel(f as CancelActionFrame)
        case 'subscribe':
        case 'unsubscribe':
          return this.subscribe(f as SubscribeActionFrame)
        case 'history': {
          const h = f as HistoryActionFrame
          const messages = this.svc.history(h.conversation_id, h.limit ?? 50, h.before)
          return this.reply({ request_id: h.request_id, status: 'history', conversation_id: h.conversation_id, messages })
        }
        case 'clear_history':
          return this.clearHistory(f as ClearHistoryActionFrame)
        case 'image':
          return this.image(f as ImageActionFrame)
        case 'ping':
          return this.reply({ request_id: f.request_id, status: 'pong' })
      }
    } catch (err) {
      this.failWith(parsed.kind === 'action' ? parsed.frame.request_id : undefined, err)
    }
  }

  onClose(): void {
    const topics = this.svc.fanout.remove(this.sock)
    this.svc.abandoned(topics)
    // A compat answer goes to this socket alone: with it gone, nobody reads it.
    if (this.compatConversation) this.svc.cancel(this.compatConversation)
    this.svc.socketClosed()
  }

  private chat(f: ChatActionFrame): void {
    this.svc.ask({
      text: f.text,
      conversationId: f.conversation_id,
      provider: f.provider,
      model: f.model,
      params: f.params,
      requestId: f.request_id,
      actor: this.principal.name,
      tokenId: this.principal.tokenId,
      onConversation: (id) => {
        this.svc.fanout.join(this.sock, conversationTopic(id))
        if (f.request_id) this.asked.set(f.request_id, id)
      },
    }).done.finally(() => {
      if (f.request_id) this.asked.delete(f.request_id)
    })
  }

  private cancel(f: CancelActionFrame): void {
    const id = f.conversation_id ?? (f.request_id ? this.asked.get(f.request_id) : undefined)
    if (!id || !this.svc.cancel(id)) this.fail(f.request_id, 'not_found', 'no running answer to cancel')
    // The cancelled turn itself sends the closing `error` frame (code `cancelled`) to every subscriber.
  }

  private subscribe(f: SubscribeActionFrame): void {
    const on = f.action === 'subscribe'
    let topic: string
    if (f.conversation_id) {
      if (on && !this.svc.repo.getConversation(f.conversation_id)) return this.fail(f.request_id, 'not_found', `no conversation "${f.conversation_id}"`)
      topic = conversationTopic(f.conversation_id)
    } else if (f.topic) topic = eventTopic(f.topic)
    else return this.fail(f.request_id, 'bad_request', 'give conversation_id or topic')
    if (on) this.svc.fanout.join(this.sock, topic)
    else {
      this.svc.fanout.leave(this.sock, topic)
      this.svc.abandoned([topic])
    }
    this.reply({ request_id: f.request_id, status: on ? 'subscribed' : 'unsubscribed', conversation_id: f.conversation_id, topic: f.topic })
  }

  private clearHistory(f: ClearHistoryActionFrame): void {
    const id = this.svc.newConversation()
    if (f.conversation_id) this.svc.fanout.leave(this.sock, conversationTopic(f.conversation_id))
    this.svc.fanout.join(this.sock, conversationTopic(id))
    this.reply({ request_id: f.request_id, status: 'cleared', conversation_id: id, previous_conversation_id: f.conversation_id })
  }

  private image(f: ImageActionFrame): void {
    this.svc
      .image({
        prompt: f.prompt,
        size: f.size,
        conversationId: f.conversation_id,
        provider: f.provider,
        requestId: f.request_id,
        onConversation: (id) => this.svc.fanout.join(this.sock, conversationTopic(id)),
      })
      .catch((err) => this.failWith(f.request_id, err))
  }

  private compat(f: { type: 'user_message'; message: string } | { type: 'clear_history' }): void {
    if (f.type === 'clear_history') {
      if (this.compatConversation) this.svc.cancel(this.compatConversation)
      this.compatConversation = this.svc.newConversation()
      return this.raw({ type: 'history_cleared', session_id: this.compatConversation })
    }
    this.compatConversation ??= this.svc.newConversation()
    const { done } = this.svc.ask({
      text: f.message,
      conversationId: this.compatConversation,
      actor: this.principal.name,
      tokenId: this.principal.tokenId,
      emit: (frame: ServerFrame) => {
        if (frame.status === 'tool_execution') this.raw({ type: 'tool_execution', tool_name: frame.tool.name, status: frame.tool.status })
      },
    })
    void done.then((r) => {
      if (r.status === 'complete') this.raw({ type: 'assistant_message', message: r.text, thinking: r.thinking, usage: r.usage ?? null })
      else this.raw({ type: 'error', code: r.error?.code ?? 'internal', message: r.error?.message ?? 'the answer failed' })
    })
  }

  private reply(frame: ReplyFrame): void {
    this.svc.fanout.send(this.sock, frame)
  }

  /** Compat-dialect frames: no `status`/`request_id` envelope. */
  private raw(frame: CompatFrame): void {
    this.svc.fanout.send(this.sock, frame)
  }

  private fail(requestId: string | undefined, code: string, message: string): void {
    this.reply({ request_id: requestId, status: 'error', error: { code, message } })
  }

  private failWith(requestId: string | undefined, err: unknown): void {
    if (err instanceof HearthError) return this.fail(requestId, err.code, err.message)
    this.log.error('chat frame failed', { error: errorMessage(err) })
    this.fail(requestId, 'internal', 'internal error')
  }
}
