import { errorResult, type ToolDefinition, type ToolInfo, type ToolRegistry } from '../mcp/types'
import type { ToolSpec } from '../providers/types'

export const CALL_TOOL = 'call_tool'
export const SEARCH_TOOLS = 'search_tools'

const words = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2)

const toSpec = (t: ToolInfo): ToolSpec => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })

function score(tool: ToolInfo, query: Set<string>): number {
  let s = 0
  for (const w of words(tool.name.replaceAll('_', ' '))) if (query.has(w)) s += 3
  for (const w of words([tool.description, ...(tool.keywords ?? [])].join(' '))) if (query.has(w)) s += 1
  return s
}

/**
 * The tools handed to the model. Up to `max` enabled tools go as they are; beyond that the model
 * gets `search_tools` and `call_tool` plus the tools whose names and descriptions share the most
 * words with the user's last message, and finds the rest on demand (a small model drowns in 200
 * schemas, and every one costs prompt tokens).
 */
export function selectTools(registry: ToolRegistry, lastUserText: string, max: number): ToolSpec[] {
  const all = registry.list()
  if (all.length <= max) return all.map(toSpec)
  const meta = all.filter((t) => t.name === SEARCH_TOOLS || t.name === CALL_TOOL)
  const query = new Set(words(lastUserText))
  const ranked = all
    .filter((t) => t.name !== SEARCH_TOOLS && t.name !== CALL_TOOL)
    .map((t) => ({ t, s: score(t, query) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.t.name.localeCompare(b.t.name))
    .slice(0, Math.max(0, max - meta.length))
    .map((x) => x.t)
  return [...meta, ...ranked].map(toSpec)
}

/** `call_tool {name, arguments}`: reaches any registered tool by name, for models given only a few. */
export function callToolDefinition(registry: ToolRegistry): ToolDefinition {
  return {
    name: CALL_TOOL,
    description:
      'Call any tool of this hub by its exact name (find names with search_tools). Pass the tool\'s arguments as an object.',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'the exact tool name' },
        arguments: { type: 'object', description: 'the arguments the tool expects', additionalProperties: true },
      },
      required: ['name'],
    },
    annotations: { title: 'Call a tool by name', openWorldHint: true },
    source: 'builtin',
    handler: (args, ctx) => {
      const name = String(args.name)
      if (name === CALL_TOOL) return errorResult('call_tool cannot call itself')
      if (!registry.has(name)) return errorResult(`no tool named "${name}"; use search_tools to find one`)
      return registry.call(name, args.arguments ?? {}, ctx)
    },
  }
}
