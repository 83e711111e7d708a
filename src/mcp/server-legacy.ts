import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'
import { errorMessage, HearthError } from '../core/errors'
import { CAPABILITIES, SERVER_INFO, type McpCallEnv, type McpMethods } from './methods'
import type { ElicitResult, LogLevel, SampleResult } from './types'

const SEVERITY: Record<LogLevel, number> = { debug: 0, info: 1, notice: 2, warning: 3, error: 4, critical: 5, alert: 6, emergency: 7 }

/** HearthError → the v1 SDK's protocol error: bad input and unknown names are -32602 per the spec. */
function rpc<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args)
    } catch (err) {
      if (err instanceof McpError) throw err
      if (err instanceof HearthError && err.status < 500) throw new McpError(ErrorCode.InvalidParams, err.message)
      throw new McpError(ErrorCode.InternalError, errorMessage(err))
    }
  }
}

type Extra = {
  signal: AbortSignal
  authInfo?: { clientId?: string }
  sendNotification(n: { method: string; params: Record<string, unknown> }): Promise<void>
  sendRequest(r: { method: string; params: Record<string, unknown> }, schema: unknown): Promise<unknown>
}

/**
 * One 2025-11-25 session's server on the v1 SDK (`@modelcontextprotocol/sdk`). Sampling and
 * elicitation exist only here: they are server→client requests, which need the session's streams.
 */
export function legacyServer(methods: McpMethods): Server {
  const server = new Server(SERVER_INFO, { capabilities: CAPABILITIES })
  // logging/setLevel is per session, and a session is this server: the level lives here.
  let minLevel = SEVERITY.info
  const env = (extra: Extra, progressToken?: string | number): McpCallEnv => {
    const caps = server.getClientCapabilities()
    return {
      actor: extra.authInfo?.clientId ?? 'anonymous',
      signal: extra.signal,
      progressToken,
      notify: (method, params) =>
        method === 'notifications/message' && SEVERITY[params.level as LogLevel] < minLevel ? Promise.resolve() : extra.sendNotification({ method, params }),
      sample: caps?.sampling
        ? async (req) => (await extra.sendRequest({ method: 'sampling/createMessage', params: req }, CreateMessageResultSchema)) as SampleResult
        : undefined,
      elicit: caps?.elicitation
        ? async (req) => (await extra.sendRequest({ method: 'elicitation/create', params: req }, ElicitResultSchema)) as ElicitResult
        : undefined,
    }
  }
  const x = (extra: unknown) => extra as Extra

  server.setRequestHandler(ListToolsRequestSchema, rpc((req) => methods.listTools(req.params?.cursor)))
  // Registered through the base Protocol on purpose: Server's own override re-parses the request and
  // the result with zod on every call (measured ~80 µs of a ~130 µs call). The request is still parsed
  // once by Protocol, and results come from the registry, typed ToolResult by construction.
  Protocol.prototype.setRequestHandler.call(
    server,
    CallToolRequestSchema,
    rpc(async (req, extra) => (await methods.callTool(req.params.name, req.params.arguments, env(x(extra), req.params._meta?.progressToken))) as never),
  )
  server.setRequestHandler(ListPromptsRequestSchema, rpc((req) => methods.listPrompts(req.params?.cursor)))
  server.setRequestHandler(GetPromptRequestSchema, rpc(async (req, extra) => (await methods.getPrompt(req.params.name, req.params.arguments, env(x(extra)))) as never))
  server.setRequestHandler(ListResourcesRequestSchema, rpc((req, extra) => methods.listResources(req.params?.cursor, env(x(extra)))))
  server.setRequestHandler(ListResourceTemplatesRequestSchema, rpc(() => methods.listResourceTemplates()))
  server.setRequestHandler(ReadResourceRequestSchema, rpc((req, extra) => methods.readResource(req.params.uri, env(x(extra)))))
  // Resources do not change under a reader yet; subscribing is accepted so clients may ask.
  server.setRequestHandler(SubscribeRequestSchema, () => ({}))
  server.setRequestHandler(UnsubscribeRequestSchema, () => ({}))
  server.setRequestHandler(CompleteRequestSchema, () => methods.complete())
  server.setRequestHandler(SetLevelRequestSchema, (req) => {
    minLevel = SEVERITY[req.params.level]
    return {}
  })
  return server
}
