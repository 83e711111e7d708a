import { Value } from '@sinclair/typebox/value'
import { McpServerSchema, type McpServerConfig } from '../core/config-schema'
import { ValidationFailed } from '../core/errors'
import { resolveCommand, safeEnv, type CommandHost } from './command'
import type { UpstreamSpec } from './upstream'

/** Server names as the API accepts them (config files may use anything; names are sanitised). */
export const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** A server spec from the API: defaults applied, every bad field listed by its path. */
export function validateSpec(input: Record<string, unknown>): McpServerConfig {
  const filled = Value.Default(McpServerSchema, structuredClone(input)) as Record<string, unknown>
  const issues: { path: string; message: string }[] = []
  for (const e of Value.Errors(McpServerSchema, filled)) {
    const path = e.path.replace(/^\//, '').replaceAll('/', '.') || '(spec)'
    if (!issues.some((i) => i.path === path)) issues.push({ path, message: e.message })
  }
  const spec = filled as McpServerConfig
  if (issues.length === 0) {
    const problem = specProblem(spec)
    if (problem) issues.push({ path: spec.command ? 'url' : 'command', message: problem })
    else if (spec.url && !/^https?:\/\//.test(spec.url)) issues.push({ path: 'url', message: 'must be an http:// or https:// URL' })
  }
  if (issues.length) throw new ValidationFailed(`invalid MCP server: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues)
  return spec
}

/** Why a spec cannot run at all, or null. */
export function specProblem(spec: McpServerConfig): string | null {
  if (spec.command && spec.url) return 'give either command (stdio) or url (HTTP), not both'
  if (!spec.command && !spec.url) return 'needs a command (stdio) or a url (HTTP)'
  if (spec.transport === 'stdio' && !spec.command) return 'transport stdio needs a command'
  if ((spec.transport === 'http' || spec.transport === 'sse') && !spec.url) return `transport ${spec.transport} needs a url`
  return null
}

export function transportOf(spec: McpServerConfig): 'stdio' | 'http' | 'sse' {
  return spec.transport ?? (spec.command ? 'stdio' : 'http')
}

/** What decides whether a running connection must be replaced when the spec changes. */
export function connectionKey(spec: McpServerConfig): string {
  const { command, args, env, cwd, url, headers, transport } = spec
  return JSON.stringify({ command, args, env, cwd, url, headers, transport })
}

export type StdioPolicy = { host: CommandHost; killGraceMs: number; groups: Set<number> }

export function upstreamSpec(spec: McpServerConfig, env: Record<string, string | undefined>, stdio: StdioPolicy): UpstreamSpec {
  const kind = transportOf(spec)
  if (kind === 'stdio') {
    const launch = resolveCommand({ command: spec.command!, args: spec.args, env: spec.env }, safeEnv(env), stdio.host)
    return { kind, argv: launch.argv, env: launch.env, cwd: spec.cwd, killGraceMs: stdio.killGraceMs, groups: stdio.groups }
  }
  // Without an explicit transport, an old HTTP+SSE-only server is found by the SDK's 4xx fallback.
  return { kind, url: spec.url!, headers: spec.headers, fallbackToSse: spec.transport === undefined }
}
