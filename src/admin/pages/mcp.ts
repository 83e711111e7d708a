import { Elysia, t } from 'elysia'
import { BadRequest } from '../../core/errors'
import { html, type Safe } from '../html'
import { attempt, notice, unavailable, type Notice } from '../notice'
import { fragment, page } from '../page'
import type { AdminDeps, McpAdmin, McpServerListing } from '../types'

const enc = encodeURIComponent
const STATE: Record<string, string> = { ready: 'ok', starting: 'degraded', backoff: 'degraded', failed: 'down', stopped: 'disabled' }

const row = (s: McpServerListing) => html`<tr data-server="${s.name}"><th scope="row">${s.name} <span class="badge">${s.origin}</span></th>
<td><span class="badge ${STATE[s.state] ?? ''}" data-state>${s.state}</span>${s.next_retry_at ? html`<div class="muted small">retry ${s.next_retry_at.slice(11, 19)}</div>` : ''}</td>
<td>${s.transport}</td><td>${s.tools}</td><td>${s.restarts}</td><td>${s.calls}</td>
<td class="small">${s.last_error ? html`<span class="error">${s.last_error.slice(0, 300)}</span>` : html`<span class="muted">–</span>`}</td>
<td class="actions"><button hx-post="/admin/mcp/${enc(s.name)}/${s.enabled ? 'disable' : 'enable'}" hx-target="#servers" aria-pressed="${s.enabled ? 'true' : 'false'}" aria-label="${s.enabled ? 'Disable' : 'Enable'} ${s.name}">${s.enabled ? 'Disable' : 'Enable'}</button>
<a href="/admin/mcp/${enc(s.name)}">Tools</a>
${s.origin === 'api' ? html`<button class="danger" hx-post="/admin/mcp/${enc(s.name)}/delete" hx-target="#servers" hx-confirm="Remove ${s.name}?">Remove</button>` : ''}</td></tr>`

function list(agg: McpAdmin, n: Notice = null): Safe {
  const servers = agg.list()
  return html`${notice(n)}<table><caption class="sr-only">MCP servers</caption><thead><tr><th scope="col">Server</th><th scope="col">Status</th><th scope="col">Transport</th><th scope="col">Tools</th><th scope="col">Restarts</th><th scope="col">Calls</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
<tbody>${servers.length ? servers.map(row) : html`<tr><td colspan="8" class="muted">No external MCP servers: add one below.</td></tr>`}</tbody></table>`
}

const addForm = html`<section class="card" aria-labelledby="h-add"><h2 id="h-add">Add a server</h2>
<form hx-post="/admin/mcp" hx-target="#servers" class="stack">
<label>Name <input name="name" required maxlength="64"></label>
<label>Command (stdio) <input name="command" placeholder="e.g. npx"></label>
<label>Arguments (one per line) <textarea name="args" rows="2"></textarea></label>
<label>URL (HTTP) <input name="url" placeholder="https://…/mcp"></label>
<button type="submit">Add</button></form></section>`

/** `/admin/mcp`: external MCP servers: add, enable/disable, status, last error, restarts, their tools. */
export const mcpPage = (d: AdminDeps) => {
  const app = new Elysia({ name: 'admin-mcp' })
  const agg = d.aggregator
  if (!agg) {
    return app.get('/admin/mcp', (ctx) =>
      page(ctx, { title: 'MCP servers', current: '/admin/mcp', body: html`<h1>MCP servers</h1>${unavailable('Managing MCP servers', 'MCP aggregator')}` }),
    )
  }
  return app
    .get('/admin/mcp', (ctx) =>
      page(ctx, {
        title: 'MCP servers',
        current: '/admin/mcp',
        body: html`<h1>MCP servers</h1><div id="servers" hx-get="/admin/mcp/list" hx-trigger="every 5s" aria-live="polite">${list(agg)}</div>${addForm}`,
      }),
    )
    .get('/admin/mcp/list', () => fragment(list(agg)))
    .post(
      '/admin/mcp',
      async ({ body }) => {
        const spec: Record<string, unknown> = {}
        if (body.command) spec.command = body.command
        if (body.args) spec.args = body.args.split(/\r?\n/).map((a) => a.trim()).filter(Boolean)
        if (body.url) spec.url = body.url
        const n = await attempt(() => {
          if (!spec.command === !spec.url) throw new BadRequest('give either a command or a URL')
          return agg.add(body.name.trim(), spec)
        }, `Added ${body.name}.`)
        return fragment(list(agg, n))
      },
      { body: t.Object({ name: t.String({ minLength: 1, maxLength: 64 }), command: t.Optional(t.String()), args: t.Optional(t.String()), url: t.Optional(t.String()), _csrf: t.Optional(t.String()) }) },
    )
    .post('/admin/mcp/:name/enable', async ({ params }) => fragment(list(agg, await attempt(() => agg.setEnabled(params.name, true), `Enabled ${params.name}.`))))
    .post('/admin/mcp/:name/disable', async ({ params }) => fragment(list(agg, await attempt(() => agg.setEnabled(params.name, false), `Disabled ${params.name}.`))))
    .post('/admin/mcp/:name/delete', async ({ params }) => fragment(list(agg, await attempt(() => agg.remove(params.name), `Removed ${params.name}.`))))
    .get('/admin/mcp/:name', (ctx) => {
      const name = ctx.params.name
      const tools = agg.tools(name)
      return page(ctx, {
        title: name,
        current: '/admin/mcp',
        body: html`<p><a href="/admin/mcp">← all servers</a></p><h1>${name}</h1>
<table><caption class="sr-only">Tools of ${name}</caption><thead><tr><th scope="col">Tool</th><th scope="col">Exposed as</th><th scope="col">Description</th><th scope="col"></th></tr></thead><tbody>${tools.map(
          (tl) => html`<tr><th scope="row">${tl.name}</th><td><a href="/admin/tools/${enc(tl.exposed)}"><code>${tl.exposed}</code></a></td><td class="small">${tl.description.slice(0, 240)}</td>
<td><button hx-post="/admin/mcp/${enc(name)}/tools/${enc(tl.name)}/${tl.enabled ? 'disable' : 'enable'}" hx-target="closest td" aria-label="${tl.enabled ? 'Disable' : 'Enable'} ${tl.name}">${tl.enabled ? 'Disable' : 'Enable'}</button></td></tr>`,
        )}</tbody></table>${tools.length ? '' : html`<p class="muted">No tools (the server is not ready or offers none).</p>`}`,
      })
    })
    .post('/admin/mcp/:name/tools/:tool/:action', async ({ params }) => {
      const enabled = params.action === 'enable'
      let now = enabled
      const n = await attempt(() => {
        now = agg.setToolEnabled(params.name, params.tool, enabled).enabled
      }, enabled ? 'Enabled.' : 'Disabled.')
      return fragment(
        html`<button hx-post="/admin/mcp/${enc(params.name)}/tools/${enc(params.tool)}/${now ? 'disable' : 'enable'}" hx-target="closest td" aria-label="${now ? 'Disable' : 'Enable'} ${params.tool}">${now ? 'Disable' : 'Enable'}</button>${notice(n)}`,
      )
    })
}
