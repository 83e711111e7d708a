import { Elysia, t } from 'elysia'
import { SCOPES, type Scope } from '../../auth/types'
import { BadRequest } from '../../core/errors'
import { html, type Safe } from '../html'
import { attempt, notice, type Notice } from '../notice'
import { fragment, page } from '../page'
import type { AdminDeps, TokenListing } from '../types'

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '–')

const row = (tk: TokenListing) => html`<tr${tk.revokedAt ? html` class="muted"` : ''}><th scope="row">${tk.name}</th><td>${tk.scopes.join(', ')}</td>
<td>${day(tk.createdAt)}</td><td>${day(tk.lastUsedAt)}</td><td>${day(tk.expiresAt)}</td>
<td>${tk.revokedAt ? html`revoked ${day(tk.revokedAt)}` : html`<button class="danger" hx-post="/admin/tokens/${encodeURIComponent(tk.name)}/revoke" hx-target="#tokens" hx-confirm="Revoke ${tk.name}? Clients using it stop working." aria-label="Revoke ${tk.name}">Revoke</button>`}</td></tr>`

function list(d: AdminDeps, n: Notice = null, created?: { name: string; token: string }): Safe {
  return html`${notice(n)}${
    created
      ? html`<div class="card secret" role="status"><p>Token <strong>${created.name}</strong> — copy it now, it is shown only this once:</p>
<p><code id="new-token" class="token">${created.token}</code></p></div>`
      : ''
  }<table><caption class="sr-only">Tokens</caption><thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"></th></tr></thead>
<tbody>${d.auth.list().map(row)}</tbody></table>`
}

const createForm = html`<section class="card" aria-labelledby="h-new"><h2 id="h-new">Create a token</h2>
<form hx-post="/admin/tokens" hx-target="#tokens" class="stack">
<label>Name <input name="name" required maxlength="64"></label>
<fieldset><legend>Scopes</legend>${SCOPES.map((s) => html`<label class="inline"><input type="checkbox" name="scopes" value="${s}"${s === 'chat' ? html` checked` : ''}> ${s}</label>`)}</fieldset>
<label>Expires in days <input type="number" name="days" min="1" max="3650" placeholder="never"></label>
<button type="submit">Create</button></form></section>`

/** `/admin/tokens`: create (the secret is shown once), list, revoke. */
export const tokensPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-tokens' })
    .get('/admin/tokens', (ctx) =>
      page(ctx, { title: 'Tokens', current: '/admin/tokens', body: html`<h1>Tokens</h1><div id="tokens" aria-live="polite">${list(d)}</div>${createForm}` }),
    )
    .post(
      '/admin/tokens',
      async ({ body }) => {
        const scopes = (Array.isArray(body.scopes) ? body.scopes : body.scopes ? [body.scopes] : []) as Scope[]
        let created: { name: string; token: string } | undefined
        const n = await attempt(() => {
          if (!scopes.length) throw new BadRequest('pick at least one scope')
          if (scopes.some((s) => !SCOPES.includes(s))) throw new BadRequest('unknown scope')
          const days = body.days ? Number(body.days) : undefined
          if (days !== undefined && !(days > 0)) throw new BadRequest('expiry must be a positive number of days')
          const r = d.auth.create({ name: body.name.trim(), scopes, expiresAt: days ? new Date(Date.now() + days * 86_400_000) : undefined })
          created = { name: r.info.name, token: r.token }
        }, `Created ${body.name}.`)
        // The secret appears in this one response only; it must not be cached anywhere.
        return fragment(list(d, n, created), 200, { 'cache-control': 'no-store' })
      },
      {
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 64 }),
          scopes: t.Optional(t.Union([t.String(), t.Array(t.String())])),
          days: t.Optional(t.String()),
          _csrf: t.Optional(t.String()),
        }),
      },
    )
    .post('/admin/tokens/:name/revoke', async ({ params }) =>
      fragment(list(d, await attempt(() => d.auth.revoke(params.name), `Revoked ${params.name}.`))),
    )
