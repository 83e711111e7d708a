import { t } from 'elysia'
import { Int } from './schema'
import { errorMessage } from '../../core/errors'
import { ftsQuery, historyRepo } from '../repo'
import { errorResult, jsonResult, type ToolDefinition } from '../types'
import type { BuiltinDeps } from './deps'

const Hit = t.Object({
  message_id: t.String(),
  conversation_id: t.String(),
  role: t.String(),
  created_at: t.String(),
  snippet: t.String(),
  score: t.Number(),
})

/** `history_search`: full-text search (SQLite FTS5, bm25-ranked, with snippets) over past conversations. */
export function historySearchTool({ db }: BuiltinDeps): ToolDefinition {
  const repo = historyRepo(db)
  return {
    name: 'history_search',
    title: 'Search past conversations',
    description: 'Full-text search over past conversations, best matches first, each with a snippet ([matched words] in brackets). Filter by conversation or role.',
    inputSchema: t.Object({
      query: t.String({ minLength: 1, maxLength: 500, description: 'Words to look for' }),
      conversation_id: t.Optional(t.String()),
      role: t.Optional(t.Union([t.Literal('user'), t.Literal('assistant'), t.Literal('tool'), t.Literal('system')])),
      limit: t.Optional(Int({ minimum: 1, maximum: 50, default: 10 })),
    }),
    outputSchema: t.Object({ query: t.String(), results: t.Array(Hit) }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    source: 'builtin',
    keywords: ['history', 'conversation', 'memory', 'search', 'past', 'messages'],
    handler(args) {
      const query = String(args.query)
      const match = ftsQuery(query)
      if (!match) return jsonResult({ query, results: [] })
      try {
        const hits = repo.search({
          match,
          conversationId: args.conversation_id as string | undefined,
          role: args.role as string | undefined,
          limit: (args.limit as number | undefined) ?? 10,
        })
        const results = hits.map((h) => ({
          message_id: h.message_id,
          conversation_id: h.conversation_id,
          role: h.role,
          created_at: new Date(h.created_at).toISOString(),
          snippet: h.snippet,
          // bm25 is negative, lower is better; flip it so a higher score is a better match.
          score: Number((-h.rank).toPrecision(4)),
        }))
        return jsonResult({ query, results })
      } catch (err) {
        return errorResult(`history_search: ${errorMessage(err)}`)
      }
    },
  }
}
