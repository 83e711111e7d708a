import type { ToolRegistry, ToolResult } from '../mcp/types'
import type { ToolCall } from '../providers/types'
import type { ServerFrame } from './schema'

/** One executed tool call, as fed back to the model and stored in history. */
export type ToolRecord = { id: string; name: string; args: Record<string, unknown>; content: string; isError: boolean; summary: unknown }

/** What the model reads back: text parts as they are, other parts named, long results cut. */
const MODEL_LIMIT = 20_000
/** What subscribers see in a `completed` frame: enough to show, not a whole file. */
const SUMMARY_LIMIT = 2_000

function resultText(r: ToolResult): string {
  const parts = r.content.map((c) => {
    switch (c.type) {
      case 'text':
        return c.text
      case 'resource':
        return c.resource.text ?? `[resource ${c.resource.uri}]`
      case 'resource_link':
        return `[link ${c.uri}]`
      default:
        return `[${c.type} ${c.mimeType}]`
    }
  })
  if (parts.length === 0 && r.structuredContent) parts.push(JSON.stringify(r.structuredContent))
  const text = parts.join('\n')
  return text.length > MODEL_LIMIT ? `${text.slice(0, MODEL_LIMIT)}\n[... ${text.length - MODEL_LIMIT} more characters cut]` : text
}

function summaryOf(r: ToolResult, text: string): unknown {
  if (r.structuredContent && JSON.stringify(r.structuredContent).length <= SUMMARY_LIMIT) return r.structuredContent
  return text.length > SUMMARY_LIMIT ? `${text.slice(0, SUMMARY_LIMIT)}…` : text
}

/**
 * Runs the calls of one model turn in parallel (the model asked for them together, so it does not
 * need one's result for another), reporting each to every subscriber as it starts and ends.
 * The registry never throws (a failing tool is an `isError` result); a missing registry answers
 * every call with an error the model can read.
 */
export async function runTools(o: {
  calls: ToolCall[]
  registry: ToolRegistry | null
  actor: string
  conversationId?: string
  signal: AbortSignal
  emit: (frame: ServerFrame) => void
  base: { request_id?: string; conversation_id?: string }
}): Promise<ToolRecord[]> {
  return Promise.all(
    o.calls.map(async (call) => {
      o.emit({ ...o.base, status: 'tool_execution', tool: { name: call.name, id: call.id, status: 'executing', arguments: call.args } })
      const result: ToolResult = o.registry
        ? await o.registry.call(call.name, call.args, { signal: o.signal, actor: o.actor, surface: 'chat', conversationId: o.conversationId })
        : { content: [{ type: 'text', text: 'no tools are available in this hub' }], isError: true }
      const content = resultText(result)
      const isError = result.isError === true
      const summary = summaryOf(result, content)
      o.emit({ ...o.base, status: 'tool_execution', tool: { name: call.name, id: call.id, status: isError ? 'failed' : 'completed', result: summary } })
      return { id: call.id, name: call.name, args: call.args, content, isError, summary }
    }),
  )
}
