import type { ValidateFunction } from 'ajv'
import { errorMessage, HearthError, NotFound } from '../core/errors'
import type { SchemaCompiler } from './schema-compiler'
import type {
  CallObservation,
  JsonSchema,
  PromptDefinition,
  RegistryChange,
  ResourceContents,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ToolContext,
  ToolDefinition,
  ToolInfo,
  ToolRegistry,
  ToolResult,
} from './types'
import { errorResult } from './types'

const NAME = /^[A-Za-z0-9_.-]{1,128}$/

type Entry = { def: ToolDefinition; enabled: boolean; validate?: ValidateFunction }

let compilerLoad: Promise<typeof import('./schema-compiler')> | undefined
/** ajv loads on the first argument check, once per process (see schema-compiler.ts for why). */
function loadCompiler(): Promise<typeof import('./schema-compiler')> {
  compilerLoad ??= import('./schema-compiler').catch((err: unknown) => {
    compilerLoad = undefined
    throw err
  })
  return compilerLoad
}

/**
 * Every tool, prompt and resource of the hub. Arguments are checked against the tool's schema
 * (compiled on first use) before the handler runs; anything a handler throws becomes an `isError`
 * result, so no tool can crash a caller.
 */
export class Registry implements ToolRegistry {
  private tools = new Map<string, Entry>()
  private sorted: ToolInfo[] | null = null
  private prompts = new Map<string, PromptDefinition>()
  private resources = new Map<string, ResourceDefinition>()
  private templates = new Map<string, ResourceTemplateDefinition>()
  private listeners = new Set<(c: RegistryChange) => void>()
  private batching = 0
  private pending = new Set<RegistryChange['kind']>()
  private disabled: Set<string>
  private onToggle?: (name: string, enabled: boolean) => void
  private compiler?: SchemaCompiler

  private onCall?: (info: CallObservation) => void

  constructor(
    opts: { disabled?: Iterable<string>; onToggle?: (name: string, enabled: boolean) => void; onCall?: (info: CallObservation) => void } = {},
  ) {
    this.disabled = new Set(opts.disabled ?? [])
    this.onToggle = opts.onToggle
    this.onCall = opts.onCall
  }

  register(def: ToolDefinition): () => void {
    if (!NAME.test(def.name)) throw new HearthError('bad_tool', `tool name "${def.name}" must match ${NAME}`, 400)
    if (def.inputSchema.type !== 'object') throw new HearthError('bad_tool', `tool "${def.name}": inputSchema must be type "object"`, 400)
    this.tools.set(def.name, { def, enabled: !this.disabled.has(def.name) })
    this.changed('tools')
    return () => {
      if (this.tools.get(def.name)?.def === def) this.remove(def.name)
    }
  }

  remove(name: string): boolean {
    const had = this.tools.delete(name)
    if (had) this.changed('tools')
    return had
  }

  has(name: string): boolean {
    return this.tools.has(name)
  }

  /** Deterministic order (by name), so pagination cursors stay valid between calls. */
  list(opts: { includeDisabled?: boolean } = {}): ToolInfo[] {
    this.sorted ??= [...this.tools.values()]
      .map(({ def: { handler: _h, ...info }, enabled }) => ({ ...info, enabled }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return opts.includeDisabled ? this.sorted : this.sorted.filter((t) => t.enabled)
  }

  get(name: string): ToolInfo | undefined {
    const e = this.tools.get(name)
    if (!e) return undefined
    const { handler: _h, ...info } = e.def
    return { ...info, enabled: e.enabled }
  }

  setEnabled(name: string, enabled: boolean): void {
    if (enabled) this.disabled.delete(name)
    else this.disabled.add(name)
    const e = this.tools.get(name)
    if (e && e.enabled !== enabled) {
      e.enabled = enabled
      this.changed('tools')
    }
    this.onToggle?.(name, enabled)
  }

  async call(name: string, args: unknown, ctx: ToolContext): Promise<ToolResult> {
    const started = performance.now()
    const result = await this.invoke(name, args, ctx)
    if (this.onCall) {
      const error = result.isError ? result.content.find((c) => c.type === 'text')?.text : undefined
      try {
        this.onCall({ name, actor: ctx.actor, surface: ctx.surface, args, isError: result.isError === true, error, durationMs: performance.now() - started })
      } catch {
        // The observer (the audit log) reports its own failures; a call's result never depends on it.
      }
    }
    return result
  }

  private async invoke(name: string, args: unknown, ctx: ToolContext): Promise<ToolResult> {
    const e = this.tools.get(name)
    if (!e) return errorResult(`unknown tool "${name}"`)
    if (!e.enabled) return errorResult(`tool "${name}" is switched off`)
    const input = args ?? {}
    const problem = await this.check(e, input)
    if (problem) return errorResult(`invalid arguments for ${name}: ${problem}`)
    if (ctx.signal.aborted) return errorResult(`call to ${name} was cancelled`)
    try {
      return await e.def.handler(input as Record<string, unknown>, ctx)
    } catch (err) {
      if (ctx.signal.aborted) return errorResult(`call to ${name} was cancelled`)
      return errorResult(`${name} failed: ${errorMessage(err)}`)
    }
  }

  async validate(name: string, args: unknown): Promise<string | null> {
    const e = this.tools.get(name)
    if (!e) throw new NotFound(`unknown tool "${name}"`)
    return this.check(e, args ?? {})
  }

  /** Validates without calling: a message naming the field and what was expected, or null. */
  private async check(e: Entry, input: unknown): Promise<string | null> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'arguments must be a JSON object'
    e.validate ??= await this.compile(e.def.inputSchema)
    if (e.validate(input)) return null
    return (e.validate.errors ?? [])
      .slice(0, 5)
      .map((err) => {
        const field = err.instancePath.replace(/^\//, '').replaceAll('/', '.')
        if (err.keyword === 'required') return `missing required field "${(err.params as { missingProperty: string }).missingProperty}"`
        if (err.keyword === 'additionalProperties') return `unknown field "${(err.params as { additionalProperty: string }).additionalProperty}"`
        if (err.keyword === 'enum') return `field "${field}" must be one of ${JSON.stringify((err.params as { allowedValues: unknown[] }).allowedValues)}`
        return `field "${field || '(arguments)'}" ${err.message}`
      })
      .join('; ')
  }

  private async compile(schema: JsonSchema): Promise<ValidateFunction> {
    if (!this.compiler) {
      const { SchemaCompiler } = await loadCompiler()
      this.compiler ??= new SchemaCompiler()
    }
    try {
      return this.compiler.compile(schema)
    } catch {
      // A schema ajv cannot compile is the owner's bug; the owner (an upstream) still validates.
      return Object.assign(() => true, { errors: null }) as unknown as ValidateFunction
    }
  }

  registerPrompt(def: PromptDefinition): () => void {
    this.prompts.set(def.name, def)
    this.changed('prompts')
    return () => {
      if (this.prompts.get(def.name) === def && this.prompts.delete(def.name)) this.changed('prompts')
    }
  }

  listPrompts(): Omit<PromptDefinition, 'get'>[] {
    return [...this.prompts.values()].map(({ get: _g, ...p }) => p).sort((a, b) => a.name.localeCompare(b.name))
  }

  async getPrompt(name: string, args: Record<string, string>, ctx: ToolContext) {
    const p = this.prompts.get(name)
    if (!p) throw new NotFound(`unknown prompt "${name}"`)
    const missing = (p.arguments ?? []).filter((a) => a.required && args[a.name] === undefined).map((a) => a.name)
    if (missing.length) throw new HearthError('invalid_params', `prompt "${name}" needs ${missing.join(', ')}`, 400)
    return p.get(args, ctx)
  }

  registerResource(def: ResourceDefinition): () => void {
    this.resources.set(def.uri, def)
    this.changed('resources')
    return () => {
      if (this.resources.get(def.uri) === def && this.resources.delete(def.uri)) this.changed('resources')
    }
  }

  registerResourceTemplate(def: ResourceTemplateDefinition): () => void {
    this.templates.set(def.uriTemplate, def)
    this.changed('resources')
    return () => {
      if (this.templates.get(def.uriTemplate) === def && this.templates.delete(def.uriTemplate)) this.changed('resources')
    }
  }

  async listResources(ctx: ToolContext) {
    const fixed = [...this.resources.values()].map(({ read: _r, ...r }) => r)
    const listed = await Promise.all(
      [...this.templates.values()].map(async (t) =>
        t.list ? (await t.list(ctx).catch(() => [])).map((r) => ({ ...r, source: t.source })) : [],
      ),
    )
    return [...fixed, ...listed.flat()].sort((a, b) => a.uri.localeCompare(b.uri))
  }

  listResourceTemplates() {
    return [...this.templates.values()].map(({ read: _r, list: _l, ...t }) => t).sort((a, b) => a.uriTemplate.localeCompare(b.uriTemplate))
  }

  async readResource(uri: string, ctx: ToolContext): Promise<ResourceContents[]> {
    const fixed = this.resources.get(uri)
    if (fixed) return fixed.read(uri, ctx)
    for (const t of this.templates.values()) {
      const found = await t.read(uri, ctx)
      if (found) return found
    }
    throw new NotFound(`unknown resource "${uri}"`)
  }

  batch<T>(fn: () => T): T {
    this.batching++
    try {
      return fn()
    } finally {
      if (--this.batching === 0) this.flush()
    }
  }

  onChange(fn: (change: RegistryChange) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(kind: RegistryChange['kind']): void {
    if (kind === 'tools') this.sorted = null
    this.pending.add(kind)
    if (this.batching === 0) this.flush()
  }

  private flush(): void {
    const kinds = [...this.pending]
    this.pending.clear()
    for (const kind of kinds) {
      for (const fn of this.listeners) {
        try {
          fn({ kind })
        } catch {
          // A listener's failure must not stop registration; listeners log their own errors.
        }
      }
    }
  }
}
