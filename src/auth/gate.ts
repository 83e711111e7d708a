import { BadRequest, Forbidden, Unauthorized } from '../core/errors'
import { hostAllowed, originAllowed, type HostRules } from './host-check'
import { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth'
import { acceptsSession, isOpen, isStateChanging, isToolCallPath, needsHostCheck, requiredScope } from './policy'
import type { AuthService } from './service'
import { cookieFrom } from './session'
import { sameHash, tokenFromRequest } from './token'
import { CSRF_FIELD, CSRF_HEADER, hasScope, parsedJsonBodies, type Principal, type Scope } from './types'

export const ANONYMOUS: Principal = { tokenId: null, name: 'anonymous', scopes: [] }

/**
 * A 401 or 403 that also says, in `WWW-Authenticate` (RFC 6750, RFC 9728), where the
 * protected-resource metadata lives and what was wrong, so an MCP client knows what to ask for.
 */
export class CredentialsRequired extends Unauthorized {
  constructor(
    readonly resourceMetadata: string,
    readonly invalidToken: boolean,
  ) {
    super(invalidToken ? 'the token is unknown, revoked or expired' : undefined)
  }

  get challenge(): string {
    return `Bearer ${this.invalidToken ? 'error="invalid_token", ' : ''}resource_metadata="${this.resourceMetadata}"`
  }
}

export class ScopeMissing extends Forbidden {
  constructor(
    readonly resourceMetadata: string,
    readonly scope: Scope,
  ) {
    super(`this token lacks the "${scope}" scope`)
  }

  get challenge(): string {
    return `Bearer error="insufficient_scope", scope="${this.scope}", resource_metadata="${this.resourceMetadata}"`
  }
}

export type GateOutcome = { principal: Principal } | { redirect: string }

/**
 * The one decision on every request, before routing and before any body is parsed: host and
 * origin (DNS rebinding), credentials (bearer, `?token=`, or the panel's cookie), CSRF for
 * cookie-authenticated writes, the scope from the policy table, and the rate limits.
 */
export async function gate(auth: AuthService, request: Request, address: string | undefined): Promise<GateOutcome> {
  const url = URL.parse(request.url)
  // A Host header such as `x:99999` makes the URL itself invalid; nothing further may parse it.
  if (!url) throw new BadRequest('malformed request URL or Host header')
  const path = url.pathname
  const method = request.method.toUpperCase()
  const { server } = auth.config()
  const rules: HostRules = { allowedHosts: server.allowed_hosts, allowedOrigins: server.allowed_origins }
  const host = request.headers.get('host') ?? url.host
  const origin = request.headers.get('origin')

  if (needsHostCheck(path)) {
    if (!hostAllowed(host, rules)) throw new Forbidden(`host "${host.slice(0, 100)}" is not accepted here; add it to server.allowed_hosts`)
    if (!originAllowed(origin, host, rules)) throw new Forbidden('this origin may not call Hearth; add it to server.allowed_origins')
  }

  if (isOpen(path)) {
    // Logging in is a write a foreign page could forge (login CSRF): the browser's Origin must be ours.
    if (method === 'POST' && crossSite(request, origin, host, rules)) throw new Forbidden('cross-site login refused')
    if (isStateChanging(method)) await jsonBody(request, path)
    return { principal: ANONYMOUS }
  }
  const scope = requiredScope(method, path)!

  // A presented token decides alone: a bad one never falls back to the cookie.
  const bearer = tokenFromRequest(request)
  const presented = bearer !== undefined || request.headers.has('authorization')
  let principal: Principal | null
  if (!auth.enabled) principal = auth.authenticate(undefined)
  else if (presented) principal = auth.authenticate(bearer)
  else principal = acceptsSession(path) ? auth.authenticateSession(cookieFrom(request)) : null

  if (!principal) {
    if ((method === 'GET' || method === 'HEAD') && path.startsWith('/admin') && acceptsSession(path) && !presented) {
      return { redirect: '/admin/login' }
    }
    throw new CredentialsRequired(metadataUrl(url), presented)
  }

  if (principal.session && isStateChanging(method)) await checkCsrf(request, principal.session.csrf, origin, host, rules)

  if (!hasScope(principal, scope)) throw new ScopeMissing(metadataUrl(url), scope)

  auth.limits.takeRequest(principal, address)

  const json = isStateChanging(method) ? await jsonBody(request, path) : undefined
  const toolCalls = isToolCallPath(method, path) ? 1 : path === '/mcp' && method === 'POST' ? mcpToolCalls(request, json) : 0
  if (toolCalls > 0 && !hasScope(principal, 'tools:call')) throw new ScopeMissing(metadataUrl(url), 'tools:call')
  if (toolCalls > 0) auth.limits.takeToolCall(principal, address, toolCalls)
  return { principal }
}

const metadataUrl = (url: URL) => new URL('/.well-known/oauth-protected-resource', url).toString()

/**
 * The text of a JSON body, read from a clone (the route reads the original; /mcp excepted), refused when it nests
 * deeper than any real request: schema validators recurse, and 100,000 levels would take them
 * seconds and the stack. /mcp bodies are read whatever their declared type, to find tools/call.
 */
async function jsonBody(request: Request, path: string): Promise<string | undefined> {
  const type = request.headers.get('content-type') ?? ''
  if (!/json/i.test(type) && path !== '/mcp') return undefined
  if (!request.body) return undefined
  let text: string
  try {
    // /mcp's route never reads the body itself: McpService takes this parse from `parsedJsonBodies`
    // (and answers a body that is not JSON with its own parse error, as before). So the original is
    // read there, without the copy a clone tees off.
    text = await (path === '/mcp' ? request : request.clone()).text()
  } catch {
    throw new BadRequest('unreadable body')
  }
  if (jsonTooDeep(text)) throw new BadRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
  return text
}

/**
 * The panel's cookie rides along on any request the browser makes, so a write authenticated by it
 * must also prove it came from the panel: the session's CSRF token in a header or form field.
 */
async function checkCsrf(request: Request, expected: string, origin: string | null, host: string, rules: HostRules): Promise<void> {
  if (crossSite(request, origin, host, rules)) throw new Forbidden('cross-site request refused')
  let presented = request.headers.get(CSRF_HEADER) ?? undefined
  const type = request.headers.get('content-type') ?? ''
  if (presented === undefined && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    try {
      const field = (await request.clone().formData()).get(CSRF_FIELD)
      if (typeof field === 'string') presented = field
    } catch {
      throw new BadRequest('malformed form body')
    }
  }
  if (!presented || !sameHash(presented, expected)) throw new Forbidden('missing or wrong CSRF token; reload the page')
}

/**
 * Whether a browser says this request came from another site. `Origin: null` is not proof of that:
 * with `Referrer-Policy: no-referrer` Chromium sends it on the panel's own form posts, so there
 * `Sec-Fetch-Site` decides (another port on this host is "same-site" and still refused).
 */
function crossSite(request: Request, origin: string | null, host: string, rules: HostRules): boolean {
  const site = request.headers.get('sec-fetch-site')
  if (site && site !== 'same-origin' && site !== 'none') return true
  return origin !== null && origin !== 'null' && !originAllowed(origin, host, rules)
}

/**
 * How many JSON-RPC `tools/call` requests a POST to /mcp carries. The body decides: an
 * `Mcp-Method` header is only a claim, and a claim of tools/call counts too.
 */
function mcpToolCalls(request: Request, text: string | undefined): number {
  const claimed = request.headers.get('mcp-method') === 'tools/call' ? 1 : 0
  let parsed: unknown
  try {
    parsed = text === undefined ? undefined : JSON.parse(text)
  } catch {
    return claimed // not JSON: the transport answers with its own parse error
  }
  if (parsed !== undefined) parsedJsonBodies.set(request, parsed)
  const messages = Array.isArray(parsed) ? parsed : [parsed]
  const inBody = messages.filter((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call').length
  return Math.max(claimed, inBody)
}
