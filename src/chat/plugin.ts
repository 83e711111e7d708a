import { Elysia } from 'elysia'
import type { Limits, Principal, Release } from '../auth/types'
import type { ConfigService } from '../core/config'
import { toMarkdown } from './export'
import { openAiCompatPlugin } from './openai-compat'
import { ConversationListQuery, ExportQuery } from './schema'
import type { ChatService } from './service'
import { SocketSession } from './socket-session'

type Raw = ConstructorParameters<typeof SocketSession>[0]['sock']

/**
 * The chat edge: `GET /ws/chat` (SPEC §3) and the conversations REST API (SPEC §7). The global auth
 * guard has already checked the `chat` scope before the upgrade. No `body`/`response` schema on the
 * socket: Elysia would answer a bad frame with its own text (and a response map drops sends);
 * `SocketSession` validates every frame itself and replies `bad_request`.
 */
export const chatPlugin = (svc: ChatService, config: ConfigService, limits: Limits) => {
  const sessions = new WeakMap<object, SocketSession>()
  const slots = new WeakMap<object, Release>()
  return new Elysia({ name: 'chat' })
    .use(openAiCompatPlugin(svc))
    // Bun's native pub/sub lives on the server, which exists only once the app listens.
    .onStart(({ server }) => {
      if (server) svc.fanout.attach((topic, data) => server.publish(topic, data))
    })
    .ws('/ws/chat', {
      // Above auth.max_frame_bytes, so a frame somewhat too big reaches us and gets a `bad_request`
      // reply; a truly huge one (over this) is closed by Bun with 1009 before it is buffered.
      maxPayloadLength: Math.max(16 * 1024 * 1024, config.current.auth.max_frame_bytes * 2),
      idleTimeout: 120,
      open(ws) {
        // auth.ws_connections_per_address: one address cannot hold every socket the hub can serve.
        try {
          slots.set(ws.raw, limits.acquireConnection(ws.remoteAddress))
        } catch {
          ws.close(1013, 'too many connections from this address')
          return
        }
        const data = ws.data as unknown as { principal: Principal }
        const raw = ws.raw as unknown as Raw
        sessions.set(ws.raw, new SocketSession({ sock: raw, svc, principal: data.principal, config, log: svc.logger }))
      },
      message(ws, message) {
        sessions.get(ws.raw)?.onMessage(message)
      },
      close(ws) {
        slots.get(ws.raw)?.()
        slots.delete(ws.raw)
        sessions.get(ws.raw)?.onClose()
        sessions.delete(ws.raw)
      },
    })
    .get('/api/v1/conversations', ({ query }) => ({ conversations: svc.listConversations({ limit: query.limit, offset: query.offset }) }), {
      query: ConversationListQuery,
    })
    .get('/api/v1/conversations/:id', ({ params }) => svc.conversation(params.id))
    .delete('/api/v1/conversations/:id', ({ params, set }) => {
      svc.deleteConversation(params.id)
      set.status = 204
    })
    .get(
      '/api/v1/conversations/:id/export',
      ({ params, query }) => {
        const c = svc.conversation(params.id)
        if (query.format === 'md') {
          return new Response(toMarkdown(c), {
            headers: { 'content-type': 'text/markdown; charset=utf-8', 'content-disposition': `attachment; filename="${c.id}.md"` },
          })
        }
        return new Response(JSON.stringify(c, null, 2), {
          headers: { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${c.id}.json"` },
        })
      },
      { query: ExportQuery },
    )
}
