import type { HearthConfig } from '../core/config'
import { HearthError, NotFound, ProviderUnavailable, errorMessage } from '../core/errors'
import type { Logger } from '../core/log'
import type { Providers } from '../providers/types'
import { conversationTopic, type Fanout } from './fanout'
import type { ChatRepo } from './repo'
import { NO_PROVIDER_MESSAGE } from './turn'

export type ImageOptions = {
  prompt: string
  size?: string
  conversationId?: string
  provider?: string
  requestId?: string
  /** Called once the conversation is known, before any frame: the asker subscribes here. */
  onConversation?: (id: string) => void
}

/**
 * The `image` action: the prompt is stored as a user message, the picture comes from the first
 * provider of the chain that can draw (openai images API, Gemini image output), goes out as one
 * `image` chunk to every subscriber and is kept on the assistant row.
 */
export async function makeImage(o: ImageOptions & { repo: ChatRepo; fanout: Fanout; providers: Providers | null; config: HearthConfig; log: Logger }): Promise<void> {
  const chain = o.providers ? o.providers.chain(o.provider) : []
  let convId = o.conversationId
  if (convId && !o.repo.getConversation(convId)) throw new NotFound(`no conversation "${convId}"`)
  convId ??= o.repo.createConversation(o.prompt.slice(0, 80)).id
  o.repo.insertMessage({ conversationId: convId, role: 'user', content: o.prompt })
  const row = o.repo.insertMessage({ conversationId: convId, role: 'assistant', status: 'streaming' })
  o.onConversation?.(convId)
  const topic = conversationTopic(convId)
  const base = { request_id: o.requestId, conversation_id: convId }
  o.fanout.publish(topic, { ...base, status: 'started', message_id: row.id })
  const started = Date.now()
  try {
    if (chain.length === 0) throw new ProviderUnavailable(NO_PROVIDER_MESSAGE)
    let lastErr: unknown = new ProviderUnavailable(`none of the providers (${chain.join(', ')}) can make images: add an openai or gemini provider`)
    for (const name of chain) {
      const p = o.providers!.get(name)
      if (!p.image) continue
      try {
        const img = await p.image({ prompt: o.prompt, size: o.size, signal: AbortSignal.timeout(o.config.providers[name]?.timeout_ms ?? 60_000) })
        o.repo.updateMessage(row.id, { images: [img], status: 'complete', provider: p.name, model: p.model, durationMs: Date.now() - started })
        o.fanout.publish(topic, { ...base, status: 'chunk', chunk: { type: 'image', mime: img.mime, data: img.data } })
        o.fanout.publish(topic, { ...base, status: 'complete', message_id: row.id, provider: p.name, model: p.model })
        return
      } catch (err) {
        lastErr = err
        o.log.warn('image failed', { provider: name, error: errorMessage(err) })
      }
    }
    throw lastErr
  } catch (err) {
    const e = err instanceof HearthError ? { code: err.code, message: err.message } : { code: 'upstream_failed', message: errorMessage(err) }
    o.repo.updateMessage(row.id, { status: 'error', error: e.message })
    o.fanout.publish(topic, { ...base, status: 'error', error: e })
  }
}
