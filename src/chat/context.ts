import type { ChatMessage, ToolCall } from '../providers/types'
import type { MessageRow } from './repo'

/** The rough estimate every budget here uses: four characters to a token. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)

function toMessage(row: MessageRow, names: Map<string, string>): ChatMessage | null {
  switch (row.role) {
    case 'user':
      return { role: 'user', content: row.content }
    case 'assistant': {
      const toolCalls: ToolCall[] | undefined = row.toolCalls?.length
        ? row.toolCalls.map((c) => ({ id: c.id, name: c.name, args: (c.arguments ?? {}) as Record<string, unknown> }))
        : undefined
      for (const c of toolCalls ?? []) names.set(c.id, c.name)
      const content = row.content || (row.images?.length ? `[${row.images.length} image(s) shown to the user]` : '')
      if (!content && !toolCalls) return null
      return toolCalls ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content }
    }
    case 'tool':
      return {
        role: 'tool',
        toolCallId: row.toolCallId ?? '',
        name: names.get(row.toolCallId ?? '') ?? 'tool',
        content: row.content,
        isError: row.status === 'error',
      }
    default:
      return null
  }
}

const sizeOf = (m: ChatMessage): number =>
  estimateTokens(m.content) + ('toolCalls' in m && m.toolCalls ? estimateTokens(JSON.stringify(m.toolCalls)) : 0) + 4

/**
 * What the model sees: the system prompt (plus contributed context) first, then the newest history
 * that fits `budget` tokens. A cut never leaves a tool result without the assistant call it answers,
 * which every vendor rejects.
 */
export function buildContext(opts: { system: string; rows: MessageRow[]; budget: number }): ChatMessage[] {
  const names = new Map<string, string>()
  const all = opts.rows.map((r) => toMessage(r, names)).filter((m): m is ChatMessage => m !== null)
  const system: ChatMessage = { role: 'system', content: opts.system }
  let left = opts.budget - sizeOf(system)
  let start = all.length
  while (start > 0) {
    const cost = sizeOf(all[start - 1]!)
    // The newest message always goes, however long: without it there is no question to answer.
    if (cost > left && start < all.length) break
    left -= cost
    start--
  }
  return [system, ...paired(all.slice(start))]
}

/** Drops tool calls without results and results without calls (a crash between the two). */
function paired(list: ChatMessage[]): ChatMessage[] {
  const answered = new Set(list.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])))
  const asked = new Set<string>()
  const out: ChatMessage[] = []
  for (const m of list) {
    if (m.role === 'assistant' && m.toolCalls) {
      const calls = m.toolCalls.filter((c) => answered.has(c.id))
      for (const c of calls) asked.add(c.id)
      if (calls.length) out.push({ ...m, toolCalls: calls })
      else if (m.content) out.push({ role: 'assistant', content: m.content })
    } else if (m.role === 'tool') {
      if (asked.has(m.toolCallId)) out.push(m)
    } else out.push(m)
  }
  return out
}
