import { Elysia, t } from 'elysia'
import type { Principal } from '../auth/types'
import { SCOPES } from '../auth/types'
import type { McpService } from './service'
import { ndjsonCall, ndjsonList, restCall, restList } from './rest'
import type { ToolRegistry } from './types'

export type McpPluginDeps = { tools: ToolRegistry; mcp: McpService }

// The global auth guard derives `principal` for every request; this plugin only reads it.
const principalOf = (ctx: unknown) => (ctx as { principal: Principal }).principal
const wantsNdjson = (request: Request) => (request.headers.get('accept') ?? '').includes('application/x-ndjson')

/** `/mcp` (both MCP revisions), the REST form of the registry, and RFC 9728 metadata. */
export const mcpPlugin = ({ tools, mcp }: McpPluginDeps) =>
  new Elysia({ name: 'mcp' })
    // parse: 'none' — the SDK transports must see the untouched body (STACK-NOTES).
    .post('/mcp', (ctx) => mcp.handle(ctx.request, principalOf(ctx)), { parse: 'none' })
    .get('/mcp', (ctx) => mcp.handle(ctx.request, principalOf(ctx)), { parse: 'none' })
    .delete('/mcp', (ctx) => mcp.handle(ctx.request, principalOf(ctx)), { parse: 'none' })
    .get('/.well-known/oauth-protected-resource', ({ request }) => protectedResource(request))
    .get('/.well-known/oauth-protected-resource/mcp', ({ request }) => protectedResource(request))
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

/** RFC 9728: where the token comes from and what it may carry. */
function protectedResource(request: Request) {
  const origin = new URL(request.url).origin
  return {
    resource: `${origin}/mcp`,
    bearer_methods_supported: ['header'],
    scopes_supported: SCOPES,
    resource_name: 'Hearth',
  }
}
