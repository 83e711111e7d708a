import type { Scope } from './types'

/**
 * The one table of who may reach what. Every request passes through `requiredScope` before any
 * handler runs; a path not listed here needs `admin`, so a surface added later is closed until it
 * is named.
 */
const OPEN = [/^\/api\/v1\/health$/, /^\/\.well-known\/oauth-protected-resource(\/.*)?$/, /^\/assets\//, /^\/favicon\.ico$/, /^\/admin\/login$/]

const RULES: [method: RegExp, path: RegExp, scope: Scope][] = [
  [/^GET$/, /^\/ws\/chat$/, 'chat'],
  [/.*/, /^\/v1\/(chat\/completions|models)$/, 'chat'],
  [/.*/, /^\/api\/v1\/inference\//, 'chat'],
  [/^GET$/, /^\/api\/v1\/models(\/.*)?$/, 'chat'],
  [/^GET$/, /^\/api\/v1\/(info|stats)$/, 'chat'],
  [/^GET$/, /^\/api\/v1\/health\/models\//, 'chat'],
  [/^GET$/, /^\/api\/v1\/conversations(\/.*)?$/, 'chat'],
  // A kitchen display reads devices and rooms with its chat token; setting one is a tool call.
  [/^GET$/, /^\/api\/v1\/(devices|rooms)(\/.*)?$/, 'chat'],
  [/^POST$/, /^\/api\/v1\/devices\/[^/]+\/set$/, 'tools:call'],
  [/^POST$/, /^\/tools\/list$/, 'tools:list'],
  [/^POST$/, /^\/tools\/call$/, 'tools:call'],
  // /mcp needs tools:list; a tools/call inside the JSON-RPC body also needs tools:call (the guard peeks).
  [/.*/, /^\/mcp$/, 'tools:list'],
]

export function requiredScope(method: string, path: string): Scope | null {
  if (isOpen(path)) return null
  for (const [m, p, scope] of RULES) if (m.test(method) && p.test(path)) return scope
  return 'admin'
}

export function isOpen(path: string): boolean {
  return OPEN.some((re) => re.test(path))
}

/** Surfaces a web page on another site could reach with the user's network position (DNS rebinding). */
export const needsHostCheck = (path: string): boolean => path === '/mcp' || path.startsWith('/ws/')

/**
 * The admin panel's cookie is honoured only where the panel itself calls, which includes its chat
 * page's socket: `/ws/chat` is Host- and Origin-checked on every upgrade (`needsHostCheck`) and the
 * cookie is SameSite=Strict, so a foreign page can neither send it nor open the socket with it.
 */
export const acceptsSession = (path: string): boolean =>
  path === '/admin' || path.startsWith('/admin/') || path.startsWith('/api/v1/') || path === '/ws/chat'

/** Paths whose calls count against `auth.tool_calls_per_minute` as one call each. */
export const isToolCallPath = (method: string, path: string): boolean => method === 'POST' && path === '/tools/call'

export const isStateChanging = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method)
