import { Elysia, t } from 'elysia'
import type { ConfigEntry } from '../../core/config'
import { html, type Safe } from '../html'
import { attempt, notice, type Notice } from '../notice'
import { fragment, page } from '../page'
import type { AdminDeps } from '../types'

/** What the edit box shows: strings bare, everything else as JSON (how it is parsed back). */
const shown = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))

/** A typed value back from the edit box: JSON when it parses (numbers, booleans, lists), else text. */
export function parseSetting(text: string, previous: unknown): unknown {
  if (typeof previous === 'string') return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const row = (e: ConfigEntry, n: Notice = null): Safe => html`<tr data-key="${e.key}"><th scope="row"><code>${e.key}</code></th>
<td><form hx-post="/admin/settings/set" hx-target="closest tr" hx-swap="outerHTML" class="inline-form">
<input type="hidden" name="key" value="${e.key}">
<input name="value" value="${e.value === '***' ? '' : shown(e.value)}" aria-label="Value of ${e.key}"${e.value === '***' ? html` type="password" placeholder="secret — type to replace"` : ''}>
<button type="submit">Save</button></form>${notice(n)}</td>
<td><span class="badge source-${e.source}">${e.source}</span></td>
<td>${e.source === 'override' ? html`<button hx-post="/admin/settings/reset" hx-vals='${JSON.stringify({ key: e.key })}' hx-target="closest tr" hx-swap="outerHTML" aria-label="Reset ${e.key}">Reset</button>` : ''}</td></tr>`

function table(d: AdminDeps, q = ''): Safe {
  const needle = q.trim().toLowerCase()
  const entries = d.config.entries().filter((e) => !needle || e.key.toLowerCase().includes(needle))
  return html`<table><caption class="sr-only">Configuration</caption><thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Source</th><th scope="col"></th></tr></thead>
<tbody>${entries.map((e) => row(e))}</tbody></table>${entries.length ? '' : html`<p class="muted">No key matches.</p>`}`
}

const entry = (d: AdminDeps, key: string): ConfigEntry =>
  d.config.entries().find((e) => e.key === key) ?? { key, value: null, source: d.config.sourceOf(key) }

/** `/admin/settings`: the effective config with each value's source; edit an override, reset it. */
export const settingsPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-settings' })
    .get('/admin/settings', (ctx) =>
      page(ctx, {
        title: 'Settings',
        current: '/admin/settings',
        body: html`<h1>Settings</h1>
<p class="muted">Values come from the <span class="badge source-file">file</span>, a runtime <span class="badge source-override">override</span> (stored in the database) or the <span class="badge source-default">default</span>. Saving a value makes it an override; Reset drops the override.</p>
<label>Filter <input type="search" name="q" hx-get="/admin/settings/table" hx-trigger="input changed delay:250ms" hx-target="#settings" autocomplete="off"></label>
<div id="settings">${table(d)}</div>`,
      }),
    )
    .get('/admin/settings/table', ({ query }) => fragment(table(d, String(query.q ?? ''))))
    .post(
      '/admin/settings/set',
      async ({ body }) => {
        const before = entry(d, body.key)
        // A masked secret is shown as an empty box: saving it empty keeps the secret.
        if (before.value === '***' && body.value === '') return fragment(row(before, { ok: true, text: 'Unchanged.' }))
        const n = await attempt(() => d.config.set(body.key, parseSetting(body.value, before.value)), 'Saved.')
        return fragment(row(entry(d, body.key), n))
      },
      { body: t.Object({ key: t.String({ maxLength: 200 }), value: t.String({ maxLength: 65536 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/admin/settings/reset',
      async ({ body }) => {
        const n = await attempt(() => d.config.unset(body.key), 'Reset to the file or default value.')
        return fragment(row(entry(d, body.key), n))
      },
      { body: t.Object({ key: t.String({ maxLength: 200 }), _csrf: t.Optional(t.String()) }) },
    )
