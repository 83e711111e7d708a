import type { ToolSpec } from './types'

/**
 * One tool list, three vendor dialects (SPEC §5). Names are made safe for every vendor
 * (`^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$` fits OpenAI, Anthropic and Gemini alike) with a reversible map,
 * and schemas are trimmed to what each vendor accepts.
 */
const MAX_NAME = 64
const SAFE = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/

function hash(s: string): string {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return (h >>> 0).toString(36).padStart(7, '0').slice(0, 7)
}

/** Deterministic: the same name always maps to the same vendor name, across hops and restarts. */
export function vendorToolName(name: string): string {
  if (SAFE.test(name)) return name
  let safe = name.replace(/[^a-zA-Z0-9_-]/g, '_')
  if (!/^[a-zA-Z_]/.test(safe)) safe = `_${safe}`
  if (safe.length <= MAX_NAME && safe === name) return safe
  // A changed or shortened name gets a hash of the original, so two names never collide.
  return `${safe.slice(0, MAX_NAME - 8)}_${hash(name)}`
}

/** Maps our tool names to vendor names and back. Unknown vendor names pass through unchanged. */
export class ToolNameMap {
  private back = new Map<string, string>()

  constructor(names: Iterable<string> = []) {
    for (const n of names) this.toVendor(n)
  }

  toVendor(name: string): string {
    const v = vendorToolName(name)
    this.back.set(v, name)
    return v
  }

  fromVendor(name: string): string {
    return this.back.get(name) ?? name
  }
}

type Schema = Record<string, unknown>

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Every vendor wants an object schema at the top with `properties`. */
function topObject(schema: Schema): Schema {
  const { $schema: _s, $id: _i, ...rest } = schema
  return { ...rest, type: 'object', properties: isObj(rest.properties) ? rest.properties : {} }
}

/**
 * The chat service hands the same `ToolSpec[]` to every turn until the registry changes, so each
 * dialect's translation is kept per array (a WeakMap: a replaced list takes its translation with
 * it). The vendor SDKs only serialise these objects, never change them. `names` still learns every
 * name, as on a first translation.
 */
function cached<T>(cache: WeakMap<ToolSpec[], T>, tools: ToolSpec[], names: ToolNameMap, translate: () => T): T {
  let out = cache.get(tools)
  if (out) {
    for (const t of tools) names.toVendor(t.name)
    return out
  }
  out = translate()
  cache.set(tools, out)
  return out
}

const anthropicCache = new WeakMap<ToolSpec[], ReturnType<typeof anthropicTools>>()
const geminiCache = new WeakMap<ToolSpec[], ReturnType<typeof geminiTools>>()

const openaiJsonCache = new WeakMap<ToolSpec[], string>()
/** The same list as JSON text: a request body splices it in instead of serialising ~4 kB per call. */
export const cachedOpenaiToolsJson = (tools: ToolSpec[], names: ToolNameMap) => cached(openaiJsonCache, tools, names, () => JSON.stringify(openaiTools(tools, names)))
export const cachedAnthropicTools = (tools: ToolSpec[], names: ToolNameMap) => cached(anthropicCache, tools, names, () => anthropicTools(tools, names))
export const cachedGeminiTools = (tools: ToolSpec[], names: ToolNameMap) => cached(geminiCache, tools, names, () => geminiTools(tools, names))

export function openaiTools(tools: ToolSpec[], names: ToolNameMap) {
  return tools.map((t) => ({
    type: 'function' as const,
    function: { name: names.toVendor(t.name), description: t.description, parameters: topObject(t.inputSchema) },
  }))
}

export function anthropicTools(tools: ToolSpec[], names: ToolNameMap) {
  return tools.map((t) => ({
    name: names.toVendor(t.name),
    description: t.description,
    input_schema: { ...topObject(t.inputSchema), type: 'object' as const },
  }))
}

export function geminiTools(tools: ToolSpec[], names: ToolNameMap) {
  return tools.map((t) => ({
    name: names.toVendor(t.name),
    description: t.description,
    parameters: geminiSchema(topObject(t.inputSchema), defsOf(t.inputSchema), 0),
  }))
}

function defsOf(schema: Schema): Schema {
  return { ...(isObj(schema.definitions) ? schema.definitions : {}), ...(isObj(schema.$defs) ? schema.$defs : {}) }
}

/** Keys of Gemini's OpenAPI-3.0 Schema subset; anything else (additionalProperties, $schema, default, ...) is dropped. */
const GEMINI_KEYS = new Set([
  'type', 'format', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'anyOf', 'items', 'minimum',
  'maximum', 'title', 'propertyOrdering',
])
const GEMINI_FORMATS = new Set(['enum', 'date-time', 'int32', 'int64', 'float', 'double'])

/**
 * Translates a JSON Schema node into Gemini's subset: `$ref` inlined (bounded depth), `const` as a
 * one-value enum, `["string","null"]` as `nullable`, `oneOf` as `anyOf`, enums as strings.
 */
function geminiSchema(node: Schema, defs: Schema, depth: number): Schema {
  if (depth > 12) return { type: 'OBJECT' }
  if (typeof node.$ref === 'string') {
    const target = defs[node.$ref.replace(/^#\/(\$defs|definitions)\//, '')]
    return isObj(target) ? geminiSchema({ ...target, ...(node.description ? { description: node.description } : {}) }, defs, depth + 1) : { type: 'OBJECT' }
  }
  const out: Schema = {}
  let type = node.type
  if (Array.isArray(type)) {
    const real = type.filter((t) => t !== 'null')
    if (real.length < type.length) out.nullable = true
    type = real[0]
  }
  if ('const' in node) out.enum = [String(node.const)]
  const anyOf = node.anyOf ?? node.oneOf
  for (const [k, v] of Object.entries(node)) {
    if (!GEMINI_KEYS.has(k)) continue
    if (k === 'type' || k === 'anyOf') continue
    if (k === 'properties' && isObj(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, isObj(s) ? geminiSchema(s, defs, depth + 1) : {}]))
    } else if (k === 'items' && isObj(v)) {
      out.items = geminiSchema(v, defs, depth + 1)
    } else if (k === 'enum' && Array.isArray(v)) {
      out.enum = v.filter((e) => e !== null).map(String)
      if (v.includes(null)) out.nullable = true
    } else if (k === 'format') {
      if (typeof v === 'string' && GEMINI_FORMATS.has(v)) out.format = v
    } else {
      out[k] = v
    }
  }
  if (Array.isArray(anyOf)) {
    const variants = anyOf.filter(isObj)
    const nonNull = variants.filter((s) => s.type !== 'null')
    if (nonNull.length < variants.length) out.nullable = true
    if (nonNull.length === 1) return { ...geminiSchema(nonNull[0]!, defs, depth + 1), ...out }
    out.anyOf = nonNull.map((s) => geminiSchema(s, defs, depth + 1))
  }
  if (out.enum) type = 'string'
  if (typeof type === 'string') out.type = type.toUpperCase()
  else if (!out.anyOf) out.type = out.properties ? 'OBJECT' : 'STRING'
  if (Array.isArray(out.required) && isObj(out.properties)) {
    const props = out.properties
    out.required = out.required.filter((r) => typeof r === 'string' && r in props)
  }
  return out
}
