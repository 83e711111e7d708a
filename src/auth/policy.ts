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
  [/^POST$/, /^\/tools\/list$/, 'tools:list'],
  [/^POST$/, /^\/tools\/call$/, 'tools:call'],
  // /mcp checks tools:list here and tools:call per JSON-RPC method inside the endpoint.
  [/.*/, /^\/mcp$/, 'tools:list'],
]

export function requiredScope(method: string, path: string): Scope | null {
  if (OPEN.some((re) => re.test(path))) return null
  for (const [m, p, scope] of RULES) if (m.test(method) && p.test(path)) return scope
  return 'admin'
}
