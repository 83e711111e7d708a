import { Elysia, t } from 'elysia'
import { ANONYMOUS, CredentialsRequired, gate, ScopeMissing } from './gate'
import { securityHeaders } from './security-headers'
import type { AuthService } from './service'
import { SCOPES, type Principal, type Scope } from './types'

/**
 * The one place every request is checked, in `onRequest`: before routing and before any body is
 * parsed, so a refused caller costs nothing and a route added later is covered without asking.
 * Handlers read the outcome as `principal`.
 */
/**
 * Where a panel request without a session goes. An htmx request is told with `HX-Redirect`, so the
 * whole page moves to the login form instead of the form landing inside the page.
 */
function toLogin(request: Request, location: string): Response {
  if (request.headers.get('hx-request')) return new Response(null, { status: 401, headers: { ...securityHeaders, 'hx-redirect': location } })
  return new Response(null, { status: 303, headers: { ...securityHeaders, location } })
}

export const authGuard = (auth: AuthService) => {
  const decided = new WeakMap<Request, Principal>()
  return new Elysia({ name: 'auth-guard' })
    .onRequest(async ({ request, set, server }) => {
      Object.assign(set.headers, securityHeaders)
      const address = server?.requestIP(request)?.address
      try {
        const outcome = await gate(auth, request, address)
        if ('redirect' in outcome) return toLogin(request, outcome.redirect)
        decided.set(request, outcome.principal)
      } catch (err) {
        // An expired panel session on an htmx write: back to the login page, not an error fragment.
        if (err instanceof CredentialsRequired && request.headers.get('hx-request') && new URL(request.url).pathname.startsWith('/admin')) {
          return toLogin(request, '/admin/login')
        }
        // RFC 9728: point clients at the protected-resource metadata.
        if (err instanceof CredentialsRequired || err instanceof ScopeMissing) set.headers['www-authenticate'] = err.challenge
        throw err
      }
    })
    .derive({ as: 'global' }, ({ request }) => ({ principal: decided.get(request) ?? ANONYMOUS }))
}

export const ScopeList = t.Array(t.Union(SCOPES.map((s) => t.Literal(s))), { minItems: 1, maxItems: SCOPES.length })

const TokenBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 64 }),
    scopes: ScopeList,
    expires_in_hours: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: 24 * 366 * 10 })),
  },
  { additionalProperties: false },
)

export const tokensPlugin = (auth: AuthService) =>
  new Elysia({ name: 'tokens' })
    .get('/api/v1/tokens', () => auth.list())
    .post(
      '/api/v1/tokens',
      ({ body, set }) => {
        const { token, info } = auth.create({
          name: body.name,
          scopes: body.scopes as Scope[],
          expiresAt: body.expires_in_hours ? new Date(Date.now() + body.expires_in_hours * 3_600_000) : undefined,
        })
        set.status = 201
        return { token, ...info }
      },
      { body: TokenBody },
    )
    .delete('/api/v1/tokens/:name', ({ params, set }) => {
      auth.revoke(params.name)
      set.status = 204
    })

const AuditQuery = t.Object({
  tool: t.Optional(t.String({ maxLength: 200 })),
  actor: t.Optional(t.String({ maxLength: 200 })),
  outcome: t.Optional(t.Union([t.Literal('ok'), t.Literal('error')])),
  since: t.Optional(t.String({ format: 'date-time' })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 1000 })),
})

/** The audit log, newest first, with filters; `since` is an ISO time. */
export const auditPlugin = (auth: AuthService) =>
  new Elysia({ name: 'audit' }).get(
    '/api/v1/audit',
    ({ query }) => ({
      entries: auth.audit.query({
        tool: query.tool,
        actor: query.actor,
        outcome: query.outcome,
        since: query.since ? new Date(query.since) : undefined,
        limit: query.limit ?? 100,
      }),
    }),
    { query: AuditQuery },
  )

const resourceMetadata = (request: Request) => ({
  resource: new URL('/mcp', request.url).toString(),
  bearer_methods_supported: ['header'],
  scopes_supported: SCOPES,
  resource_name: 'Hearth',
  resource_documentation: 'Create a token with `hearth token create --name NAME --scopes tools:list,tools:call`.',
})

/**
 * RFC 9728 protected-resource metadata: where an MCP client learns that it needs a bearer token
 * (at the root, and at the path-suffixed form that clients try first for `/mcp`).
 */
export const wellKnownPlugin = () =>
  new Elysia({ name: 'well-known' })
    .get('/.well-known/oauth-protected-resource', ({ request }) => resourceMetadata(request))
    .get('/.well-known/oauth-protected-resource/mcp', ({ request }) => resourceMetadata(request))
