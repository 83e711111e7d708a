import { Elysia, t } from 'elysia'
import { principalOf } from '../../auth/types'
import { NotFound } from '../../core/errors'
import type { ToolInfo, ToolRegistry, ToolResult } from '../../mcp/types'
import { html, json, type Safe } from '../html'
import { attempt, notice, unavailable } from '../notice'
import { fragment, page } from '../page'
import { readArgs, schemaFields } from '../schema-form'
import type { AdminDeps } from '../types'

const enc = encodeURIComponent

function matches(tool: ToolInfo, q: string): boolean {
  if (!q) return true
  const hay = [tool.name, tool.title ?? '', tool.description, tool.source, ...(tool.keywords ?? [])].join(' ').toLowerCase()
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w))
}

function list(tools: ToolRegistry, q: string): Safe {
  const found = tools.list({ includeDisabled: true }).filter((x) => matches(x, q))
  return html`<p class="muted small">${found.length} tool${found.length === 1 ? '' : 's'}</p>
<ul class="tool-list">${found.map(
    (x) => html`<li><a href="/admin/tools/${enc(x.name)}"><code>${x.name}</code></a> <span class="badge">${x.source}</span>${x.enabled ? '' : html` <span class="badge disabled">disabled</span>`}
<div class="muted small">${x.description.slice(0, 240)}</div></li>`,
  )}</ul>`
}

export function resultView(r: ToolResult): Safe {
  return html`<div class="tool-result${r.isError ? ' is-error' : ''}" role="status">
<h3>${r.isError ? 'Error' : 'Result'}</h3>
${r.content.map((c) => {
  if (c.type === 'text') return html`<pre class="result-text">${c.text}</pre>`
  if (c.type === 'image') return html`<img alt="tool image" src="data:${c.mimeType};base64,${c.data}">`
  if (c.type === 'resource_link') return html`<p>Resource: <code>${c.uri}</code> ${c.name}</p>`
  return html`<pre>${json(c)}</pre>`
})}
${r.structuredContent ? html`<details><summary>Structured content</summary><pre>${json(r.structuredContent)}</pre></details>` : ''}</div>`
}

/** `/admin/tools`: every registered tool, a search, and a form per tool generated from its input schema. */
export const toolsPage = (d: AdminDeps) => {
  const app = new Elysia({ name: 'admin-tools' })
  const tools = d.tools
  if (!tools) {
    return app.get('/admin/tools', (ctx) =>
      page(ctx, { title: 'Tools', current: '/admin/tools', body: html`<h1>Tools</h1>${unavailable('Trying tools', 'MCP tool registry')}` }),
    )
  }
  const tool = (name: string) => {
    const x = tools.get(name)
    if (!x) throw new NotFound(`no tool named "${name}"`)
    return x
  }
  return app
    .get('/admin/tools', (ctx) =>
      page(ctx, {
        title: 'Tools',
        current: '/admin/tools',
        body: html`<h1>Tools</h1>
<label>Search <input type="search" name="q" hx-get="/admin/tools/list" hx-trigger="input changed delay:250ms" hx-target="#tools" autocomplete="off" placeholder="name, description, source"></label>
<div id="tools">${list(tools, '')}</div>`,
      }),
    )
    .get('/admin/tools/list', ({ query }) => fragment(list(tools, String(query.q ?? ''))))
    .get('/admin/tools/:name', (ctx) => {
      const x = tool(ctx.params.name)
      return page(ctx, {
        title: x.name,
        current: '/admin/tools',
        body: html`<p><a href="/admin/tools">← all tools</a></p><h1><code>${x.name}</code></h1>
<p>${x.description}</p><p class="muted small">Source: ${x.source}${x.enabled ? '' : ' (disabled)'}</p>
<section class="card" aria-labelledby="h-try"><h2 id="h-try">Try it</h2>
<form hx-post="/admin/tools/${enc(x.name)}/call" hx-target="#result" class="stack tool-form">${schemaFields(x.inputSchema)}
<button type="submit">Call</button></form>
<div id="result" aria-live="polite"></div></section>
<details><summary>Input schema</summary><pre>${json(x.inputSchema)}</pre></details>`,
      })
    })
    .post(
      '/admin/tools/:name/call',
      async (ctx) => {
        const x = tool(ctx.params.name)
        let result: ToolResult | undefined
        const n = await attempt(async () => {
          const args = readArgs(x.inputSchema, ctx.body ?? {})
          result = await tools.call(x.name, args, {
            signal: AbortSignal.any([ctx.request.signal, AbortSignal.timeout(60_000)]),
            actor: principalOf(ctx).name,
            surface: 'admin',
          })
        }, 'done')
        return fragment(result ? resultView(result) : notice(n))
      },
      { body: t.Optional(t.Record(t.String(), t.Union([t.String(), t.Array(t.String())]))) },
    )
}
