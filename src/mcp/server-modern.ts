import { createMcpHandler, ProtocolError, ProtocolErrorCode, Server, type McpHttpHandler } from '@modelcontextprotocol/server'
import { errorMessage, HearthError } from '../core/errors'
import { CAPABILITIES, SERVER_INFO, type McpCallEnv, type McpMethods } from './methods'
import type { ToolRegistry } from './types'

function rpc<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args)
    } catch (err) {
      if (err instanceof ProtocolError) throw err
      if (err instanceof HearthError && err.status < 500) throw new ProtocolError(ProtocolErrorCode.InvalidParams, err.message)
      throw new ProtocolError(ProtocolErrorCode.InternalError, errorMessage(err))
    }
  }
}

type Ctx = {
  mcpReq: { signal: AbortSignal; notify(n: { method: string; params: Record<string, unknown> }): Promise<void> }
  http?: { authInfo?: { clientId?: string } }
}

/**
 * The 2026-07-28 leg on the v2 SDK (`@modelcontextprotocol/server`): stateless, one small Server
 * per request built from the same McpMethods as the 2025 sessions, so the two eras cannot drift.
 * There is no server→client request channel in this era, so tools get no `sample`/`elicit`.
 */
export function modernHandler(methods: McpMethods, registry: ToolRegistry): McpHttpHandler {
  const env = (ctx: Ctx, progressToken?: string | number): McpCallEnv => ({
    actor: ctx.http?.authInfo?.clientId ?? 'anonymous',
    signal: ctx.mcpReq.signal,
    progressToken,
    notify: (method, params) => ctx.mcpReq.notify({ method, params }),
  })
  const x = (ctx: unknown) => ctx as Ctx

  const factory = () => {
    const server = new Server(SERVER_INFO, { capabilities: CAPABILITIES })
    server.setRequestHandler('tools/list', rpc((req) => methods.listTools(req.params?.cursor) as never))
    server.setRequestHandler(
      'tools/call',
      rpc(async (req, ctx) => {
        const result = await methods.callTool(req.params.name, req.params.arguments, env(x(ctx), req.params._meta?.progressToken))
        return server.projectCallToolResult(result as never, registry.get(req.params.name)?.outputSchema) as never
      }),
    )
    server.setRequestHandler('prompts/list', rpc((req) => methods.listPrompts(req.params?.cursor) as never))
    server.setRequestHandler('prompts/get', rpc(async (req, ctx) => (await methods.getPrompt(req.params.name, req.params.arguments, env(x(ctx)))) as never))
    server.setRequestHandler('resources/list', rpc((req, ctx) => methods.listResources(req.params?.cursor, env(x(ctx))) as never))
    server.setRequestHandler('resources/templates/list', rpc(() => methods.listResourceTemplates() as never))
    server.setRequestHandler('resources/read', rpc((req, ctx) => methods.readResource(req.params.uri, env(x(ctx))) as never))
    server.setRequestHandler('completion/complete', () => methods.complete())
    return server
  }
  return createMcpHandler(factory, { legacy: 'reject', responseMode: 'auto' })
}
