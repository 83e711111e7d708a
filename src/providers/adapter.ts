import type { ProviderConfig } from '../core/config'
import type { ChatEvent, ChatRequest, Image, ImageRequest } from './types'

/** What one adapter file builds from a provider's config: an SDK client behind our event union. */
export interface Adapter {
  stream(req: ChatRequest): AsyncIterable<ChatEvent>
  image?(req: ImageRequest & { model?: string }): Promise<Image>
}

export type AdapterConfig = ProviderConfig & { name: string }

/** Data URL ↔ base64 + mime, for the vendors that use one or the other. */
export function parseDataUrl(url: string): { mime: string; data: string } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  return m ? { mime: m[1]!, data: m[2]! } : null
}
