import type { MessageView } from './types'

type Exported = { id: string; title: string; created_at: string; messages: MessageView[] }

/** A conversation as Markdown: one heading per message, tool calls as fenced JSON. */
export function toMarkdown(c: Exported): string {
  const out = [`# ${c.title || 'Conversation'}`, '', `_${c.id} · started ${c.created_at}_`, '']
  for (const m of c.messages) {
    const who = m.role === 'assistant' && m.provider ? `assistant (${m.provider}/${m.model})` : m.role
    const note = m.status === 'complete' ? '' : ` — ${m.status}${m.error ? `: ${m.error}` : ''}`
    out.push(`## ${who}${note}`, '', `_${m.created_at}_`, '')
    if (m.thinking) out.push('> ' + m.thinking.replaceAll('\n', '\n> '), '')
    if (m.content) out.push(m.content, '')
    for (const call of m.tool_calls ?? []) out.push(`Tool call \`${call.name}\`:`, '', '```json', JSON.stringify(call.arguments, null, 2), '```', '')
    for (const img of m.images ?? []) out.push(`![image](data:${img.mime};base64,${img.data})`, '')
  }
  return out.join('\n')
}
