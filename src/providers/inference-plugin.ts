import { Elysia } from 'elysia'
import { toErrorBody } from '../core/errors'
import type { Logger } from '../core/log'
import { ChatBody, CompletionBody, EmbeddingBody, RegisterModelBody } from './inference-schema'
import type { ModelRegistry } from './model-registry'
import type { ChatEvent } from './types'

const enc = new TextEncoder()

/**
 * The model registry and inference API for programs on the LAN (SPEC §7). Scopes come from the
 * policy table: reading and inferring need `chat`, registering and deleting `admin`.
 */
export const inferencePlugin = (models: ModelRegistry, log: Logger) =>
  new Elysia({ name: 'inference' })
    .post(
      '/api/v1/models/register',
      ({ body, set }) => {
        set.status = 201
        return models.register(body)
      },
      { body: RegisterModelBody },
    )
    .get('/api/v1/models', () => ({ models: models.list() }))
    .get('/api/v1/models/:id', ({ params }) => models.get(params.id))
    .delete('/api/v1/models/:id', ({ params, set }) => {
      models.remove(params.id)
      set.status = 204
    })
    .get('/api/v1/health/models/:id', ({ params, request }) => models.health(params.id, request.signal))
    .post(
      '/api/v1/inference/chat',
      async ({ body, request }) => {
        if (!body.stream) return models.chat(body.model, body.messages, body.params, request.signal)
        // A failure before the first event is thrown here and gets its status from the error mapper.
        const { info, events } = await models.chatStream(body.model, body.messages, body.params, request.signal)
        return new Response(ndjson(events, log), { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-model': info.id } })
      },
      { body: ChatBody },
    )
    .post('/api/v1/inference/completion', ({ body, request }) => models.completion(body.model, body.prompt, body.params, request.signal), { body: CompletionBody })
    .post(
      '/api/v1/inference/embedding',
      ({ body, request }) => models.embed(body.model, typeof body.input === 'string' ? [body.input] : body.input, request.signal),
      { body: EmbeddingBody },
    )

/** `{"type":"text","delta"}` lines, then `{"type":"done","usage"}`; a failure mid-answer is an `error` line. */
function ndjson(events: AsyncIterable<ChatEvent>, log: Logger): ReadableStream<Uint8Array> {
  const it = events[Symbol.asyncIterator]()
  const line = (o: unknown) => enc.encode(JSON.stringify(o) + '\n')
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        // Thinking and other events are not part of this API: read on until a line is written.
        while (true) {
          const next = await it.next()
          if (next.done) return c.close()
          const e = next.value
          if (e.kind === 'text') return c.enqueue(line({ type: 'text', delta: e.delta }))
          if (e.kind === 'done') return c.enqueue(line({ type: 'done', usage: e.usage ?? null, ...(e.stop ? { stop: e.stop } : {}) }))
        }
      } catch (err) {
        log.warn('inference stream failed', { error: err })
        c.enqueue(line({ type: 'error', error: toErrorBody(err).body.error }))
        c.close()
      }
    },
    async cancel() {
      await it.return?.()
    },
  })
}
