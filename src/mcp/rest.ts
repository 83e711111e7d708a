import { NotFound, ValidationFailed } from '../core/errors'
import type { Principal } from '../auth/types'
import type { ToolRegistry, ToolResult } from './types'
import { toWireTool, type WireTool } from './wire'

/**
 * The REST form of the registry (`POST /tools/list`, `POST /tools/call`). HTTP status tells whether
 * the call happened: an unknown tool is 404 and arguments that fail the schema are 422 (naming the
 * field), both before any handler runs; once the handler ran, the answer is 200 and a failure inside
 * the tool is `isError: true` in the body — the same result MCP clients get, so a script can tell
 * "you asked wrongly" from "the tool said no".
 */
export function restList(registry: ToolRegistry): { tools: WireTool[] } {
  return { tools: registry.list().map(toWireTool) }
}

export async function restPrepare(registry: ToolRegistry, name: string, args: unknown): Promise<void> {
  if (!registry.get(name)?.enabled) throw new NotFound(`unknown tool "${name}"`)
  const problem = await registry.validate(name, args ?? {})
  if (problem) throw new ValidationFailed(`invalid arguments for ${name}: ${problem}`, [{ path: 'arguments', message: problem }])
}

export type RestCall = { name: string; args: unknown; principal: Principal; signal: AbortSignal }

export async function restCall(registry: ToolRegistry, { name, args, principal, signal }: RestCall): Promise<ToolResult> {
  await restPrepare(registry, name, args)
  return registry.call(name, args ?? {}, { signal, actor: principal.name, surface: 'rest' })
}

const line = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v)}\n`)

/** `Accept: application/x-ndjson`: progress lines as they happen, then one result line. */
export async function ndjsonCall(registry: ToolRegistry, { name, args, principal, signal }: RestCall): Promise<Response> {
  await restPrepare(registry, name, args)
  const ctrl = new AbortController()
  const onAbort = () => ctrl.abort()
  signal.addEventListener('abort', onAbort, { once: true })
  const stream = new ReadableStream<Uint8Array>({
    async start(out) {
      const push = (v: unknown) => {
        try {
          out.enqueue(line(v))
        } catch {
          // the reader went away; the abort below stops the tool
        }
      }
      try {
        const result = await registry.call(name, args ?? {}, {
          signal: ctrl.signal,
          actor: principal.name,
          surface: 'rest',
          progress: (p) => push({ type: 'progress', ...p }),
        })
        push({ type: 'result', ...result })
      } finally {
        signal.removeEventListener('abort', onAbort)
        try {
          out.close()
        } catch {
          // already cancelled
        }
      }
    },
    cancel() {
      ctrl.abort()
    },
  })
  return new Response(stream, { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } })
}

export function ndjsonList(registry: ToolRegistry): Response {
  const tools = restList(registry).tools
  const body = tools.map((t) => JSON.stringify({ type: 'tool', ...t })).join('\n') + `\n${JSON.stringify({ type: 'done', count: tools.length })}\n`
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } })
}
