import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, McpServerSchema, ProviderSchema, type HearthConfig, type McpServerConfig } from './config-schema'
import { ValidationFailed } from './errors'

/**
 * The pure half of configuration: interpolation, merging overrides into the file's tree, defaults,
 * validation with every bad path, redaction. `ConfigService` (config.ts) adds files, the store and
 * the lifecycle on top.
 */
type Issue = { path: string; message: string }

const SECRET_LEAF = /(api_key|password|token|secret|authorization)$/i

/** `${VAR}` and `${VAR:-fallback}` in any string value, read from `env`. */
export function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name, fb) => env[name] ?? fb ?? '')
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]))
  }
  return value
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  const leaf = parts[parts.length - 1]!
  if (value === null) delete node[leaf]
  else node[leaf] = value
}

export function getPath(source: unknown, key: string): unknown {
  let node = source
  for (const part of key.split('.')) {
    if (!isPlainObject(node)) return undefined
    node = node[part]
  }
  return node
}

/** Leaves of a config tree as dotted keys; arrays are leaves. */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (prefix) {
    out[prefix] = value
  }
  return out
}

/** Header and MCP-server `env` values are secrets as often as not (tokens), so all of them are hidden. */
export function redactConfigValue(key: string, value: unknown): unknown {
  if (typeof value === 'string' && value !== '' && (SECRET_LEAF.test(key) || /\.(headers|env)\./.test(key))) return '***'
  return value
}

/** One issue per path (TypeBox reports "required" and "wrong type" for the same field). */
function issuesOf(candidate: unknown): Issue[] {
  const byPath = new Map<string, string>()
  for (const e of Value.Errors(ConfigSchema, candidate)) {
    const path = e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'
    const options = (e.schema as { anyOf?: { const?: unknown }[] }).anyOf
    const message = options?.every((o) => 'const' in o) ? `must be one of ${options.map((o) => o.const).join(', ')}` : e.message
    if (!byPath.has(path)) byPath.set(path, message)
  }
  return [...byPath].map(([path, message]) => ({ path, message }))
}

/** TypeBox does not descend into Record values when filling defaults; do those by hand. */
function withDefaults(tree: Record<string, unknown>): unknown {
  const filled = Value.Default(ConfigSchema, tree) as Record<string, Record<string, unknown>>
  const fill = (record: unknown, schema: typeof ProviderSchema | typeof McpServerSchema) => {
    if (!isPlainObject(record)) return
    for (const [name, entry] of Object.entries(record)) if (isPlainObject(entry)) record[name] = Value.Default(schema, entry)
  }
  fill(filled.providers, ProviderSchema)
  fill(filled.mcp?.servers, McpServerSchema)
  return filled
}

/** Applies defaults and validates; throws with every bad field listed by its path. */
export function resolveConfig(file: Record<string, unknown>, overrides: Record<string, unknown> = {}): HearthConfig {
  const tree = structuredClone(file)
  // Cloned: an object override (e.g. a whole provider) must not be frozen or edited in place by a later leaf override.
  for (const [key, value] of Object.entries(overrides)) setPath(tree, key, structuredClone(value))
  const filled = withDefaults(tree)
  const issues = issuesOf(filled)
  if (issues.length > 0) {
    throw new ValidationFailed(`invalid config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues)
  }
  return deepFreeze(filled as HearthConfig)
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** Claude-Desktop style `{ "mcpServers": { name: { command, args, env } | { url, headers, type } } }`. */
export function parseMcpServersFile(text: string): Record<string, Partial<McpServerConfig>> {
  const parsed = JSON.parse(text) as { mcpServers?: Record<string, Record<string, unknown>> }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.mcpServers)) throw new Error('expected an object with "mcpServers"')
  const out: Record<string, Partial<McpServerConfig>> = {}
  for (const [name, spec] of Object.entries(parsed.mcpServers)) {
    const { type, disabled, ...rest } = spec
    const entry: Record<string, unknown> = { ...rest }
    if (type === 'sse') entry.transport = 'sse'
    else if (type === 'http' || type === 'streamable-http' || type === 'streamableHttp') entry.transport = 'http'
    if (disabled === true) entry.enabled = false
    out[name] = entry as Partial<McpServerConfig>
  }
  return out
}
