import { Elysia, t } from 'elysia'
import type { ProviderSummary } from '../../providers/types'
import { html, type Safe } from '../html'
import { attempt, notice, type Notice } from '../notice'
import { fragment, page } from '../page'
import type { AdminDeps } from '../types'

const KINDS = ['openai', 'anthropic', 'gemini'] as const
const enc = encodeURIComponent

const row = (p: ProviderSummary) => html`<tr${p.active ? html` class="active"` : ''}>
<th scope="row">${p.name}${p.active ? html` <span class="badge ok">active</span>` : ''}</th><td>${p.kind}</td><td>${p.model}</td>
<td class="small">${p.base_url ?? html`<span class="muted">default</span>`}</td><td>${p.has_key ? 'yes' : 'no'}</td>
<td><span class="badge">${p.source ?? 'file'}</span>${p.problem ? html`<div class="error small">${p.problem}</div>` : ''}</td>
<td class="actions">
${p.active ? '' : html`<button hx-post="/admin/providers/${enc(p.name)}/use" hx-target="#providers" aria-label="Use ${p.name}">Use</button>`}
<button hx-post="/admin/providers/${enc(p.name)}/test" hx-target="#test-${p.name}" aria-label="Test ${p.name}">Test</button>
${p.source === 'override' ? html`<button class="danger" hx-post="/admin/providers/${enc(p.name)}/delete" hx-target="#providers" hx-confirm="Remove provider ${p.name}?">Remove</button>` : ''}
<details><summary>Edit</summary>
<form hx-post="/admin/providers/${enc(p.name)}" hx-target="#providers" class="stack">
<label>Model <input name="model" value="${p.model}" required></label>
<label>Base URL <input name="base_url" value="${p.base_url ?? ''}" placeholder="https://…"></label>
<label>API key <input type="password" name="api_key" autocomplete="off" placeholder="unchanged when empty"></label>
<button type="submit">Save</button></form></details>
<div id="test-${p.name}" class="small" aria-live="polite"></div></td></tr>`

function list(d: AdminDeps, n: Notice = null): Safe {
  const providers = d.providers.list()
  return html`${notice(n)}
<table><caption class="sr-only">Providers</caption><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Model</th><th scope="col">Base URL</th><th scope="col">Key</th><th scope="col">Source</th><th scope="col">Actions</th></tr></thead>
<tbody>${providers.length ? providers.map(row) : html`<tr><td colspan="7" class="muted">No providers yet: add one below.</td></tr>`}</tbody></table>`
}

const addForm = html`<section class="card" aria-labelledby="h-add"><h2 id="h-add">Add a provider</h2>
<form hx-post="/admin/providers" hx-target="#providers" class="stack">
<label>Name <input name="name" required pattern="[A-Za-z0-9_\-]{1,64}"></label>
<label>Kind <select name="kind">${KINDS.map((k) => html`<option>${k}</option>`)}</select></label>
<label>Model <input name="model" required></label>
<label>Base URL <input name="base_url" placeholder="optional: https://…"></label>
<label>API key <input type="password" name="api_key" autocomplete="off" placeholder="optional for local servers"></label>
<button type="submit">Add</button></form></section>`

/** Form fields: an empty field means "not given". */
const given = (body: Record<string, string | undefined>) => Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && v !== undefined && v !== ''))

const Form = t.Record(t.String(), t.String({ maxLength: 4096 }))

/** `/admin/providers`: list, add, edit, test and switch the active provider. */
export const providersPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-providers' })
    .get('/admin/providers', (ctx) =>
      page(ctx, {
        title: 'Providers',
        current: '/admin/providers',
        body: html`<h1>Providers</h1><div id="providers" aria-live="polite">${list(d)}</div>${addForm}`,
      }),
    )
    .post(
      '/admin/providers',
      async ({ body }) => {
        const { name, ...cfg } = given(body)
        const n = await attempt(() => d.providers.add(name ?? '', cfg), `Added ${name}.`)
        return fragment(list(d, n))
      },
      { body: Form },
    )
    .post(
      '/admin/providers/:name',
      async ({ params, body }) => fragment(list(d, await attempt(() => d.providers.update(params.name, given(body)), `Saved ${params.name}.`))),
      { body: Form },
    )
    .post('/admin/providers/:name/use', async ({ params }) =>
      fragment(list(d, await attempt(() => d.providers.use(params.name), `${params.name} is now the active provider.`))),
    )
    .post('/admin/providers/:name/delete', async ({ params }) =>
      fragment(list(d, await attempt(() => d.providers.remove(params.name), `Removed ${params.name}.`))),
    )
    .post('/admin/providers/:name/test', async ({ params, request }) => {
      try {
        const r = await d.providers.test(params.name, AbortSignal.any([request.signal, AbortSignal.timeout(30_000)]))
        return fragment(
          r.ok
            ? html`<span class="badge ok">ok</span> ${r.latency_ms} ms${r.reply ? html` — “${r.reply.slice(0, 200)}”` : ''}`
            : html`<span class="badge down">failed</span> ${r.error?.code ?? ''}: ${r.error?.message ?? ''}`,
        )
      } catch (err) {
        return fragment(html`<span class="badge down">failed</span> ${err instanceof Error ? err.message : String(err)}`)
      }
    })
