import type { ProviderConfig } from '../core/config'
import type { Logger } from '../core/log'
import type { ChatEvent, ChatRequest, EmbedRequest, Embeddings, Image, ImageRequest } from './types'

/** What one adapter file builds from a provider's config: an SDK client behind our event union. */
export interface Adapter {
  stream(req: ChatRequest): AsyncIterable<ChatEvent>
  image?(req: ImageRequest & { model?: string }): Promise<Image>
  embed?(req: EmbedRequest): Promise<Embeddings>
}

export type AdapterConfig = ProviderConfig & { name: string; log?: Logger }

/**
 * The SDKs' own logger (they print to the console by default, sometimes with payload text): routed
 * into ours, reasons at warn and their extra arguments (which may hold model output) only at debug.
 */
export function sdkLogger(log: Logger | undefined) {
  const line = (level: 'warn' | 'debug') => (message: string, ...rest: unknown[]) => {
    if (!log) return
    if (level === 'warn') log.warn(`sdk: ${message}`)
    if (rest.length) log.debug(() => `sdk detail: ${rest.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join(' ').slice(0, 2000)}`)
  }
  return { error: line('warn'), warn: line('warn'), info: line('debug'), debug: line('debug') }
}

/** Data URL ↔ base64 + mime, for the vendors that use one or the other. */
export function parseDataUrl(url: string): { mime: string; data: string } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  return m ? { mime: m[1]!, data: m[2]! } : null
}
