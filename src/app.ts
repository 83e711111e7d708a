import { Elysia } from 'elysia'
import { adminPlugin } from './admin/plugin'
import type { LogRing } from './admin/types'
import { assetsPlugin } from './admin/assets'
import { auditPlugin, authGuard, tokensPlugin, wellKnownPlugin } from './auth/plugin'
import type { AuthService } from './auth/service'
import type { ConfigService } from './core/config'
import { HearthError, RateLimited, toErrorBody } from './core/errors'
import { newId } from './core/ids'
import type { EventBus } from './core/events'
import type { HealthRegistry } from './core/health'
import type { Logger } from './core/log'
import type { StatsRegistry } from './core/stats'
import type { DbHandle } from './db/client'
import { systemPlugin } from './system/plugin'
// providers (issue #3)
import { providersPlugin } from './providers/plugin'
import type { ProviderService } from './providers/service'
// --- mcp ---
import { mcpPlugin } from './mcp/plugin'
import type { McpService } from './mcp/service'
import type { ToolRegistry } from './mcp/types'
// --- /mcp ---
// --- chat ---
import { chatPlugin } from './chat/plugin'
import type { ChatService } from './chat/service'
// --- /chat ---
// --- zigbee --- (issue #6)
import { zigbeePlugin } from './zigbee/plugin'
import type { ZigbeeService } from './zigbee/service'
// --- /zigbee ---
// MCP aggregator (issue #5)
import { aggregatorPlugin } from './aggregator/plugin'
import type { Aggregator } from './aggregator/service'
// --- models --- model registry and inference API (SPEC §7)
import { inferencePlugin } from './providers/inference-plugin'
import type { ModelRegistry } from './providers/model-registry'
// --- /models ---

/** Everything the HTTP surface needs, built and started by `hub.ts`. */
export type Services = {
  config: ConfigService
  log: Logger
  bus: EventBus
  db: DbHandle
  health: HealthRegistry
  stats: StatsRegistry
  auth: AuthService
  startedAt: number
  // providers (issue #3)
  providers: ProviderService
  // --- mcp ---
  tools: ToolRegistry
  mcp: McpService
  // --- /mcp ---
  // --- chat ---
  chat: ChatService
  // --- /chat ---
  // --- zigbee ---
  zigbee: ZigbeeService
  // --- /zigbee ---
  // MCP aggregator (issue #5): external servers feeding the registry.
  aggregator: Aggregator
  // admin panel: the last log lines for its live tail
  logRing?: LogRing
  // --- models ---
  models: ModelRegistry
  // --- /models ---
}

/** Elysia's own error codes mapped onto ours, so every error body has the same shape. */
function frameworkError(code: string | number, error: unknown): { status: number; code: string; message: string } | null {
  const message = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'VALIDATION':
      return { status: 400, code: 'bad_request', message: validationSummary(error) }
    case 'PARSE':
      return { status: 400, code: 'bad_request', message: `malformed body: ${message}` }
    case 'NOT_FOUND':
      return { status: 404, code: 'not_found', message: 'no such route' }
    case 'INVALID_COOKIE_SIGNATURE':
      return { status: 401, code: 'unauthorized', message: 'invalid session' }
    default:
      return null
  }
}

function validationSummary(error: unknown): string {
  const all = (error as { all?: { path?: string; summary?: string; message?: string }[] }).all
  if (Array.isArray(all) && all.length) {
    return all
      .slice(0, 5)
      // The value itself is never echoed ("... but found: <value>"): it may be a token or a key.
      .map((e) => `${e.path?.replace(/^\//, '').replaceAll('/', '.') || 'body'}: ${(e.summary ?? e.message ?? '').replace(/\s+but found:[\s\S]*$/, '')}`)
      .join('; ')
  }
  return 'invalid request'
}

export const MAX_BODY_BYTES = 2 * 1024 * 1024

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A caller's `x-request-id` is kept when it is a sane token, so ids can be followed across hops. */
const REQUEST_ID = /^[\w.:@-]{1,128}$/
const QUIET_PATHS = new Set(['/api/v1/health'])

export function createApp(s: Services) {
  const log = s.log.child('http')
  const started = new WeakMap<Request, { id: string; at: number }>()
  return (
    // 2 MB is far above any legitimate body (chat text, tool arguments, config); a bigger one is a
    // 413 from Bun before it is buffered.
    new Elysia({ serve: { reusePort: false, maxRequestBodySize: MAX_BODY_BYTES } })
      // One log line per request, with a request id the caller sees in `x-request-id`.
      .onRequest(({ request, set }) => {
        const given = request.headers.get('x-request-id')
        const id = given && REQUEST_ID.test(given) ? given : newId('req_')
        started.set(request, { id, at: performance.now() })
        set.headers['x-request-id'] = id
      })
      // Elysia's own `path`, not `new URL(request.url)`: a hostile Host header makes the URL invalid.
      .onAfterResponse({ as: 'global' }, ({ request, set, responseValue, path }) => {
        const start = started.get(request)
        const status = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200
        const fields = {
          request_id: start?.id,
          method: request.method,
          path,
          status,
          ms: start ? Math.round((performance.now() - start.at) * 100) / 100 : undefined,
        }
        if (QUIET_PATHS.has(path) && status < 400) log.debug('request', fields)
        else log.info('request', fields)
      })
      // The one error mapper: JSON for the API, a fragment for htmx.
      .onError({ as: 'global' }, ({ code, error, request, set, path }) => {
        const mapped = error instanceof HearthError ? null : frameworkError(code, error)
        const { status, body } = mapped
          ? { status: mapped.status, body: { error: { code: mapped.code, message: mapped.message } } }
          : toErrorBody(error)
        if (status >= 500) log.error('request failed', { request_id: started.get(request)?.id, path, error })
        if (error instanceof RateLimited) set.headers['retry-after'] = String(error.retryAfterS)
        set.status = status
        if (request.headers.get('hx-request')) {
          return new Response(`<div class="error" role="alert">${escapeHtml(body.error.message)}</div>`, {
            status,
            headers: { 'content-type': 'text/html; charset=utf-8', ...(set.headers as Record<string, string>) },
          })
        }
        return new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json', ...(set.headers as Record<string, string>) },
        })
      })
      .use(assetsPlugin())
      .use(authGuard(s.auth))
      .use(systemPlugin(s))
      .use(tokensPlugin(s.auth))
      .use(auditPlugin(s.auth))
      .use(wellKnownPlugin())
      .use(adminPlugin(s))
      // providers (issue #3)
      .use(providersPlugin(s.providers))
      .use(mcpPlugin({ tools: s.tools, mcp: s.mcp }))
      // --- zigbee ---
      .use(zigbeePlugin(s.zigbee))
      .use(chatPlugin(s.chat, s.config, s.auth.limits))
      // MCP aggregator (issue #5)
      .use(aggregatorPlugin(s.aggregator))
      // --- models ---
      .use(inferencePlugin(s.models, s.log.child('inference')))
      // --- /models ---
  )
}

export type App = ReturnType<typeof createApp>
