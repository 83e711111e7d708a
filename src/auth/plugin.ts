import { Elysia, t } from 'elysia'
import { Forbidden, Unauthorized } from '../core/errors'
import { requiredScope } from './policy'
import type { AuthService } from './service'
import { tokenFromRequest } from './token'
import { hasScope, SCOPES, type Principal, type Scope } from './types'

const ANONYMOUS: Principal = { tokenId: null, name: 'anonymous', scopes: [] }

/**
 * The one place every request is authenticated: the principal is derived from the bearer token
 * (or `?token=`), and the policy table decides the scope each path needs before any handler runs.
 */
export const authGuard = (auth: AuthService) =>
  new Elysia({ name: 'auth-guard' })
    .derive({ as: 'global' }, ({ request }) => ({
      principal: auth.authenticate(tokenFromRequest(request)) ?? ANONYMOUS,
    }))
    .onBeforeHandle({ as: 'global' }, ({ request, principal, set }) => {
      const path = new URL(request.url).pathname
      const scope = requiredScope(request.method, path)
      if (!scope) return
      if (principal.tokenId === null && principal.scopes.length === 0) {
        // RFC 9728: point clients at the protected-resource metadata.
        set.headers['www-authenticate'] = `Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource', request.url)}"`
        throw new Unauthorized()
      }
      if (!hasScope(principal, scope)) throw new Forbidden(`this token lacks the "${scope}" scope`)
    })

export const ScopeList = t.Array(t.Union(SCOPES.map((s) => t.Literal(s))), { minItems: 1 })

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
      { body: t.Object({ name: t.String(), scopes: ScopeList, expires_in_hours: t.Optional(t.Number({ minimum: 0 })) }) },
    )
    .delete('/api/v1/tokens/:name', ({ params, set }) => {
      auth.revoke(params.name)
      set.status = 204
    })
