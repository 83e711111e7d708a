import { t } from 'elysia'
import { Arguments, Int, JsonValue } from './schema'
import { errorResult, jsonResult, type ToolContext, type ToolDefinition } from '../types'
import type { BuiltinDeps } from './deps'

export const MAX_BATCH = 20
/** Meta-tools may not call themselves: one level of indirection, no fan-out bombs. */
const META = new Set(['batch_execute', 'call_tool'])

const Call = t.Object({ name: t.String({ minLength: 1 }), arguments: t.Optional(Arguments) })

/** `batch_execute`: several calls at once, in parallel; each gets its own result or error. */
export function batchExecuteTool({ registry }: BuiltinDeps): ToolDefinition {
  return {
    name: 'batch_execute',
    title: 'Run several tools at once',
    description: `Run up to ${MAX_BATCH} tool calls in parallel and get every result (or error) in the same order.`,
    inputSchema: t.Object({ calls: t.Array(Call, { minItems: 1, maxItems: MAX_BATCH }) }),
    outputSchema: t.Object({
      results: t.Array(
        t.Object({ name: t.String(), ok: t.Boolean(), content: t.Array(JsonValue()), structuredContent: t.Optional(JsonValue()) }),
      ),
      succeeded: Int(),
      failed: Int(),
    }),
    // As safe as the least safe call inside it: the honest hint is "may change things".
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    source: 'builtin',
    keywords: ['batch', 'parallel', 'many', 'several'],
    async handler(args, ctx) {
      const calls = args.calls as { name: string; arguments?: Record<string, unknown> }[]
      const inner: ToolContext = { ...ctx, progress: undefined }
      const results = await Promise.all(
        calls.map(async (c) => {
          const r = META.has(c.name) ? errorResult(`${c.name} cannot be called from batch_execute`) : await registry.call(c.name, c.arguments ?? {}, inner)
          return { name: c.name, ok: !r.isError, content: r.content, ...(r.structuredContent ? { structuredContent: r.structuredContent } : {}) }
        }),
      )
      const succeeded = results.filter((r) => r.ok).length
      return jsonResult({ results, succeeded, failed: results.length - succeeded })
    },
  }
}

/** `call_tool`: calls any registered tool by name — how a model reaches tools it found with search_tools. */
export function callToolTool({ registry }: BuiltinDeps): ToolDefinition {
  return {
    name: 'call_tool',
    title: 'Call a tool by name',
    description: 'Call any available tool by its exact name (find it first with search_tools) with its arguments.',
    inputSchema: Call,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    source: 'builtin',
    keywords: ['invoke', 'run', 'execute'],
    handler(args, ctx) {
      const name = String(args.name)
      if (META.has(name)) return errorResult(`${name} cannot be called through call_tool`)
      return registry.call(name, args.arguments ?? {}, ctx)
    },
  }
}
