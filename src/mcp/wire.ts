import { BadRequest } from '../core/errors'
import type { ToolInfo } from './types'

/** A tool as MCP clients see it: the registry's own fields (source, keywords, enabled) stay inside. */
export type WireTool = {
  name: string
  title?: string
  description: string
  inputSchema: Record<string, unknown>
  outputSchema?: Record<string, unknown>
  annotations?: Record<string, unknown>
}

export function toWireTool(t: ToolInfo): WireTool {
  const out: WireTool = { name: t.name, description: t.description, inputSchema: t.inputSchema }
  if (t.title) out.title = t.title
  if (t.outputSchema) out.outputSchema = t.outputSchema
  if (t.annotations) out.annotations = t.annotations
  return out
}

/**
 * Cursors are opaque to clients but are simply "the last name of the previous page": the list is
 * sorted by name, so a tool registered or removed between pages shifts nothing that was already
 * seen, and a cursor never points into a stale snapshot.
 */
export function encodeCursor(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName })).toString('base64url')
}

export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { after?: unknown }
    if (typeof parsed.after === 'string') return parsed.after
  } catch {
    // fall through
  }
  throw new BadRequest('invalid cursor')
}

/** One page of a list sorted by `key` (code-unit order), starting after the cursor's name (binary search: 1,000s of tools). */
export function page<T>(
  sorted: readonly T[],
  cursor: string | undefined,
  size: number,
  key: (item: T) => string = (item) => (item as { name: string }).name,
): { items: T[]; nextCursor?: string } {
  let start = 0
  if (cursor) {
    const after = decodeCursor(cursor)
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (key(sorted[mid]!) <= after) lo = mid + 1
      else hi = mid
    }
    start = lo
  }
  const items = sorted.slice(start, start + size)
  return start + size < sorted.length && items.length ? { items, nextCursor: encodeCursor(key(items[items.length - 1]!)) } : { items }
}
