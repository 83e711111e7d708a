import { Elysia, t } from 'elysia'
import { principalOf, type Principal } from '../auth/types'
import type { McpService } from './service'
import { ndjsonCall, ndjsonList, restCall, restList } from './rest'
import type { ToolRegistry } from './types'

export type McpPluginDeps = { tools: ToolRegistry; mcp: McpService }

/**
 * The guard's `derive` is not in this plugin's types. The /mcp handlers name what they read instead
 * of handing the context to `principalOf(ctx)`: Elysia infers from a handler's source which parts
 * of the context to build, and a context passed whole makes it parse the query, headers and cookies
 * on every request.
 */
type Guarded = { request: Request; principal?: Principal }

const wantsNdjson = (request: Request) => (request.headers.get('accept') ?? '').includes('application/x-ndjson')

/**
 * `/mcp` (both MCP revisions) and the REST form of the registry. The global guard has already
 * authenticated the caller, checked Host/Origin and the scopes (tools:call included, by peeking at
 * the JSON-RPC body); RFC 9728 metadata is the auth feature's own route.
 */
export const mcpPlugin = ({ tools, mcp }: McpPluginDeps) =>
  new Elysia({ name: 'mcp' })
    // parse: 'none' — the SDK transports must see the untouched body (STACK-NOTES).
    .post('/mcp', ({ request, principal }: Guarded) => mcp.handle(request, principalOf({ principal })), { parse: 'none' })
    .get('/mcp', ({ request, principal }: Guarded) => mcp.handle(request, principalOf({ principal })), { parse: 'none' })
    .delete('/mcp', ({ request, principal }: Guarded) => mcp.handle(request, principalOf({ principal })), { parse: 'none' })
    .post('/tools/list', ({ request }) => (wantsNdjson(request) ? ndjsonList(tools) : restList(tools)), {
      body: t.Optional(t.Object({}, { additionalProperties: true })),
    })
    .post(
      '/tools/call',
      (ctx) => {
        const { body, request } = ctx
        const call = { name: body.name, args: body.arguments, principal: principalOf(ctx), signal: request.signal }
        return wantsNdjson(request) ? ndjsonCall(tools, call) : restCall(tools, call)
      },
      { body: t.Object({ name: t.String({ minLength: 1 }), arguments: t.Optional(t.Object({}, { additionalProperties: true })) }) },
    )
