import { t } from 'elysia'
import { Int, JsonValue } from './schema'
import { ToolSearch } from '../tool-search'
import { jsonResult, type ToolDefinition } from '../types'
import type { BuiltinDeps } from './deps'

/** `search_tools`: find the right tool among many (the chat's large-registry mode relies on it). */
export function searchToolsTool({ registry }: BuiltinDeps): ToolDefinition {
  const search = new ToolSearch(registry)
  return {
    name: 'search_tools',
    title: 'Find a tool',
    description: 'Search every available tool by name, description and argument names; best match first. Use it to find a tool, then call it with call_tool.',
    inputSchema: t.Object({
      query: t.String({ minLength: 1, maxLength: 200, description: 'What the tool should do, or part of its name' }),
      limit: t.Optional(Int({ minimum: 1, maximum: 50, default: 10 })),
    }),
    outputSchema: t.Object({
      results: t.Array(t.Object({ name: t.String(), description: t.String(), source: t.String(), score: t.Number(), inputSchema: JsonValue() })),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    source: 'builtin',
    keywords: ['find', 'discover', 'lookup'],
    handler(args) {
      const hits = search.search(String(args.query), (args.limit as number | undefined) ?? 10)
      // The schema comes along so the model can call the tool without a second lookup.
      const results = hits.map((h) => ({ ...h, inputSchema: registry.get(h.name)?.inputSchema ?? {} }))
      return jsonResult({ results })
    },
  }
}
