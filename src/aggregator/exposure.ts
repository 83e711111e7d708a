import type { PromptMessage, ResourceContents, ToolAnnotations, ToolContext, ToolRegistry, ToolResult } from '../mcp/types'
import type { Catalog } from './server-runner'
import type { UpstreamTool } from './tool-guard'
import { assignNames } from './tool-name'
import type { NameCollision, ServerTool } from './types'
import { templateMatcher } from './upstream'

/**
 * Puts the catalogs of the connected servers into the registry and keeps the routing tables:
 * exposed tool/prompt name → (server, original name), resource URI → server. Names come from
 * tool-name.ts only. Each sync is one registry batch, so listeners hear one change.
 *
 * Resources keep their upstream URIs (links inside tool results then resolve through Hearth
 * unchanged); when two servers list the same URI, the first in sorted server order serves it and
 * the other is reported as a collision.
 */
/** Where an exposed tool goes: its server, its own name there, and the definition it listed. */
export type ToolRoute = { server: string; tool: string; annotations?: ToolAnnotations; definition: UpstreamTool }
export type ServerView = { name: string; catalog: Catalog; enabled(tool: string): boolean }
export type Handlers = {
  callTool(exposed: string, route: ToolRoute, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>
  getPrompt(server: string, prompt: string, args: Record<string, string>, ctx: ToolContext): Promise<{ description?: string; messages: PromptMessage[] }>
  readResource(server: string, uri: string, ctx: ToolContext): Promise<ResourceContents[]>
}

type Held = { server: string; name: string; sig: string; unregister: () => void }

export class Exposure {
  readonly tools = new Map<string, Held & { route: ToolRoute }>()
  private prompts = new Map<string, Held>()
  private resources = new Map<string, Held>()
  private templates = new Map<string, Held>()
  private applied = new Map<string, boolean>()
  private collisions = new Map<string, NameCollision[]>()

  constructor(
    private registry: ToolRegistry,
    private handlers: Handlers,
  ) {}

  collisionsOf(server: string): NameCollision[] {
    return this.collisions.get(server) ?? []
  }

  toolsOf(server: string): ServerTool[] {
    const out: ServerTool[] = []
    for (const [exposed, held] of this.tools) {
      if (held.server !== server) continue
      const info = this.registry.get(exposed)
      out.push({ name: held.name, exposed, enabled: info?.enabled ?? false, description: info?.description ?? '' })
    }
    return out.sort((a, b) => (a.exposed < b.exposed ? -1 : 1))
  }

  count(server: string, kind: 'tools' | 'prompts' | 'resources'): number {
    const map = kind === 'tools' ? this.tools : kind === 'prompts' ? this.prompts : this.resources
    let n = 0
    for (const h of map.values()) if (h.server === server) n++
    if (kind === 'resources') for (const h of this.templates.values()) if (h.server === server) n++
    return n
  }

  /**
   * A switch flipped on one of our tools through the registry directly (the generic tools API,
   * the admin tools page) is reported, so the aggregator stores it like its own switches and a
   * restart of the server does not undo it.
   */
  watchToggles(fn: (server: string, tool: string, enabled: boolean) => void): () => void {
    return this.registry.onChange(({ kind }) => {
      if (kind !== 'tools') return
      for (const [exposed, held] of this.tools) {
        const was = this.applied.get(exposed)
        const now = this.registry.get(exposed)?.enabled
        if (was === undefined || now === undefined || now === was) continue
        this.applied.set(exposed, now)
        fn(held.server, held.name, now)
      }
    })
  }

  /** `servers` are the connected ones; everything of a server not listed leaves the registry. */
  sync(servers: ServerView[]): void {
    const sorted = [...servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const collisions = new Map<string, NameCollision[]>()
    const note = (server: string, c: NameCollision) => {
      const list = collisions.get(server)
      if (list) list.push(c)
      else collisions.set(server, [c])
    }
    this.registry.batch(() => {
      this.syncTools(sorted, note)
      this.syncPrompts(sorted, note)
      this.syncResources(sorted, note)
    })
    this.collisions = collisions
  }

  private syncTools(servers: ServerView[], note: (server: string, c: NameCollision) => void): void {
    const views = new Map(servers.map((s) => [s.name, s]))
    const defs = new Map(servers.flatMap((s) => s.catalog.tools.map((t) => [`${s.name}\u0000${t.name}`, t] as const)))
    const { assigned, collisions } = assignNames(
      servers.flatMap((s) => s.catalog.tools.map((t) => ({ server: s.name, name: t.name }))),
      (name) => this.taken(name, this.tools, this.registry.get(name)?.source),
    )
    for (const c of collisions) note(c.server, { kind: 'tool', name: c.name, wanted: c.wanted, exposed: c.exposed, with: c.with })
    const next = new Map(assigned.map((a) => [a.exposed, { ...a, sig: `${a.server}\u0000${JSON.stringify(defs.get(`${a.server}\u0000${a.name}`))}` }]))
    for (const [exposed, held] of this.tools) {
      if (next.get(exposed)?.sig === held.sig) continue
      held.unregister()
      this.tools.delete(exposed)
      this.applied.delete(exposed)
    }
    for (const [exposed, a] of next) {
      const tool = defs.get(`${a.server}\u0000${a.name}`)!
      if (!this.tools.has(exposed)) {
        const route: ToolRoute = { server: a.server, tool: a.name, annotations: tool.annotations, definition: tool }
        const unregister = this.registry.register({
          name: exposed,
          title: tool.title,
          description: tool.description,
          inputSchema: tool.inputSchema,
          outputSchema: tool.outputSchema,
          annotations: tool.annotations,
          source: `mcp:${a.server}`,
          keywords: [a.server, a.name],
          handler: (args, ctx) => this.handlers.callTool(exposed, route, args, ctx),
        })
        this.tools.set(exposed, { server: a.server, name: a.name, sig: a.sig, unregister, route })
      }
      const want = views.get(a.server)!.enabled(a.name)
      if (this.applied.get(exposed) !== want) {
        if (this.registry.get(exposed)?.enabled !== want) this.registry.setEnabled(exposed, want)
        this.applied.set(exposed, want)
      }
    }
  }

  private syncPrompts(servers: ServerView[], note: (server: string, c: NameCollision) => void): void {
    const defs = new Map(servers.flatMap((s) => s.catalog.prompts.map((p) => [`${s.name}\u0000${p.name}`, p] as const)))
    const others = new Map(this.registry.listPrompts().map((p) => [p.name, p.source]))
    const { assigned, collisions } = assignNames(
      servers.flatMap((s) => s.catalog.prompts.map((p) => ({ server: s.name, name: p.name }))),
      (name) => this.taken(name, this.prompts, others.get(name)),
    )
    for (const c of collisions) note(c.server, { kind: 'prompt', name: c.name, wanted: c.wanted, exposed: c.exposed, with: c.with })
    const next = new Map(assigned.map((a) => [a.exposed, { ...a, sig: `${a.server}\u0000${JSON.stringify(defs.get(`${a.server}\u0000${a.name}`))}` }]))
    for (const [exposed, held] of this.prompts) {
      if (next.get(exposed)?.sig === held.sig) continue
      held.unregister()
      this.prompts.delete(exposed)
    }
    for (const [exposed, a] of next) {
      if (this.prompts.has(exposed)) continue
      const p = defs.get(`${a.server}\u0000${a.name}`)!
      const unregister = this.registry.registerPrompt({
        name: exposed,
        title: p.title,
        description: p.description,
        arguments: p.arguments,
        source: `mcp:${a.server}`,
        get: (args, ctx) => this.handlers.getPrompt(a.server, a.name, args, ctx),
      })
      this.prompts.set(exposed, { server: a.server, name: a.name, sig: a.sig, unregister })
    }
  }

  private syncResources(servers: ServerView[], note: (server: string, c: NameCollision) => void): void {
    const wantedRes = new Map<string, { server: string; sig: string; def: Catalog['resources'][number] }>()
    const wantedTpl = new Map<string, { server: string; sig: string; def: Catalog['templates'][number] }>()
    for (const s of servers) {
      for (const r of s.catalog.resources) {
        const holder = r.uri.startsWith('hearth:') ? 'builtin' : wantedRes.get(r.uri)?.server
        if (holder) note(s.name, { kind: 'resource', name: r.uri, wanted: r.uri, exposed: null, with: holder })
        else wantedRes.set(r.uri, { server: s.name, sig: `${s.name}\u0000${JSON.stringify(r)}`, def: r })
      }
      for (const t of s.catalog.templates) {
        const holder = wantedTpl.get(t.uriTemplate)?.server
        if (holder) note(s.name, { kind: 'resource', name: t.uriTemplate, wanted: t.uriTemplate, exposed: null, with: holder })
        else wantedTpl.set(t.uriTemplate, { server: s.name, sig: `${s.name}\u0000${JSON.stringify(t)}`, def: t })
      }
    }
    for (const [uri, held] of this.resources) {
      if (wantedRes.get(uri)?.sig === held.sig) continue
      held.unregister()
      this.resources.delete(uri)
    }
    for (const [uri, w] of wantedRes) {
      if (this.resources.has(uri)) continue
      const unregister = this.registry.registerResource({ ...w.def, source: `mcp:${w.server}`, read: (u, ctx) => this.handlers.readResource(w.server, u, ctx) })
      this.resources.set(uri, { server: w.server, name: uri, sig: w.sig, unregister })
    }
    for (const [tpl, held] of this.templates) {
      if (wantedTpl.get(tpl)?.sig === held.sig) continue
      held.unregister()
      this.templates.delete(tpl)
    }
    for (const [tpl, w] of wantedTpl) {
      if (this.templates.has(tpl)) continue
      const matches = templateMatcher(tpl)
      if (!matches) continue
      const unregister = this.registry.registerResourceTemplate({
        ...w.def,
        source: `mcp:${w.server}`,
        read: async (uri, ctx) => (matches(uri) ? this.handlers.readResource(w.server, uri, ctx) : null),
      })
      this.templates.set(tpl, { server: w.server, name: tpl, sig: w.sig, unregister })
    }
  }

  /** Who else holds a name: nobody if it is one of ours (it is reassigned in this sync). */
  private taken(name: string, ours: Map<string, Held>, source: string | undefined): string | undefined {
    if (source === undefined) return undefined
    if (ours.has(name) && source.startsWith('mcp:')) return undefined
    return source
  }
}
