import type { PromptDefinition, ResourceDefinition, ResourceTemplateDefinition, ToolAnnotations, ToolDefinition } from '../mcp/types'

/**
 * Upstream lists are checked on arrival (STYLE §10): one bad entry is skipped with a reason, the
 * rest of the server's tools still arrive.
 */
// The registry's own shapes minus what Hearth adds (owner, handler): one source per type.
export type UpstreamTool = Omit<ToolDefinition, 'source' | 'keywords' | 'handler'>
export type UpstreamPrompt = Omit<PromptDefinition, 'source' | 'get'>
export type UpstreamResource = Omit<ResourceDefinition, 'source' | 'read'>
export type UpstreamTemplate = Omit<ResourceTemplateDefinition, 'source' | 'read' | 'list'>
export type Skipped = { kind: string; name: string; reason: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const optString = (v: unknown) => (typeof v === 'string' ? v : undefined)
const MAX_ITEMS = 2000
const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const

function named(kind: string, raw: unknown[], key: 'name' | 'uri' | 'uriTemplate', skipped: Skipped[]): Record<string, unknown>[] {
  const seen = new Set<string>()
  const out: Record<string, unknown>[] = []
  for (const [i, item] of raw.entries()) {
    const id = isObject(item) && typeof item[key] === 'string' ? (item[key] as string) : `#${i}`
    let reason: string | null = null
    if (!isObject(item)) reason = 'not an object'
    else if (typeof item[key] !== 'string' || (item[key] as string).length === 0) reason = `missing ${key}`
    else if ((item[key] as string).length > 1024) reason = `${key} longer than 1024 characters`
    else if (seen.has(id)) reason = `duplicate ${key}`
    else if (out.length >= MAX_ITEMS) reason = `more than ${MAX_ITEMS} ${kind}`
    if (reason) {
      skipped.push({ kind, name: id, reason })
      continue
    }
    seen.add(id)
    out.push(item as Record<string, unknown>)
  }
  return out
}

export function checkTools(raw: unknown[], skipped: Skipped[]): UpstreamTool[] {
  const out: UpstreamTool[] = []
  for (const t of named('tools', raw, 'name', skipped)) {
    const schema = t.inputSchema
    if (!isObject(schema) || (schema.type !== undefined && schema.type !== 'object')) {
      skipped.push({ kind: 'tools', name: t.name as string, reason: 'inputSchema is not a JSON Schema of type "object"' })
      continue
    }
    const tool: UpstreamTool = {
      name: t.name as string,
      description: optString(t.description) ?? '',
      inputSchema: schema.type === 'object' ? schema : { ...schema, type: 'object' },
    }
    const title = optString(t.title) ?? (isObject(t.annotations) ? optString(t.annotations.title) : undefined)
    if (title) tool.title = title
    if (isObject(t.outputSchema) && t.outputSchema.type === 'object') tool.outputSchema = t.outputSchema
    if (isObject(t.annotations)) {
      const a: ToolAnnotations = {}
      for (const h of HINTS) if (typeof t.annotations[h] === 'boolean') a[h] = t.annotations[h] as boolean
      if (Object.keys(a).length) tool.annotations = a
    }
    out.push(tool)
  }
  return out
}

export function checkPrompts(raw: unknown[], skipped: Skipped[]): UpstreamPrompt[] {
  return named('prompts', raw, 'name', skipped).flatMap((p) => {
    const args = Array.isArray(p.arguments) ? p.arguments : []
    if (!args.every((a) => isObject(a) && typeof a.name === 'string')) {
      skipped.push({ kind: 'prompts', name: p.name as string, reason: 'an argument has no name' })
      return []
    }
    return [{
      name: p.name as string,
      title: optString(p.title),
      description: optString(p.description),
      arguments: args.map((a) => ({ name: a.name as string, description: optString(a.description), required: a.required === true })),
    }]
  })
}

export function checkResources(raw: unknown[], skipped: Skipped[]): UpstreamResource[] {
  return named('resources', raw, 'uri', skipped).map((r) => ({
    uri: r.uri as string,
    name: optString(r.name) ?? (r.uri as string),
    title: optString(r.title),
    description: optString(r.description),
    mimeType: optString(r.mimeType),
  }))
}

export function checkTemplates(raw: unknown[], skipped: Skipped[]): UpstreamTemplate[] {
  return named('resource templates', raw, 'uriTemplate', skipped).map((r) => ({
    uriTemplate: r.uriTemplate as string,
    name: optString(r.name) ?? (r.uriTemplate as string),
    title: optString(r.title),
    description: optString(r.description),
    mimeType: optString(r.mimeType),
  }))
}
