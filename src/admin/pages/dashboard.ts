import { Elysia } from 'elysia'
import { principalOf } from '../../auth/types'
import { VERSION } from '../../core/version'
import { html, type Safe } from '../html'
import { fragment, page } from '../page'
import type { AdminDeps } from '../types'

/** Numbers found anywhere in the stats snapshot under keys matching `re`, as `section.key`. */
function pick(snapshot: Record<string, Record<string, unknown>>, re: RegExp): [string, number][] {
  const out: [string, number][] = []
  for (const [section, values] of Object.entries(snapshot)) {
    for (const [k, v] of Object.entries(values ?? {})) if (re.test(k) && typeof v === 'number') out.push([`${section}.${k}`, v])
  }
  return out
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

async function live(d: AdminDeps): Promise<Safe> {
  const report = await d.health.report()
  const snapshot = d.stats.snapshot()
  const active = d.providers.active()
  const connections = pick(snapshot, /^(connections|sessions|sockets|clients)$/i)
  const rates = pick(snapshot, /tokens_per_s|tok_s|tokens_s/i)
  const uptime = Math.round((Date.now() - d.startedAt) / 1000)
  const mem = process.memoryUsage()
  return html`<div class="grid">
<section class="card" aria-labelledby="h-health"><h2 id="h-health">Health</h2>
<p>Status: <span id="health" class="badge ${report.status}">${report.status}</span></p>
<table><thead><tr><th scope="col">Part</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead><tbody>
${Object.entries(report.checks).map(
  ([name, e]) => html`<tr><td>${name}</td><td><span class="badge ${e.status}">${e.status}</span></td><td class="muted small">${detail(e)}</td></tr>`,
)}
</tbody></table></section>
<section class="card" aria-labelledby="h-prov"><h2 id="h-prov">Active provider</h2>
${active ? html`<p class="big" id="active-provider">${active.name}</p><p class="muted">${active.model}</p>` : html`<p class="muted" id="active-provider">none configured — <a href="/admin/providers">add one</a></p>`}
</section>
<section class="card" aria-labelledby="h-conn"><h2 id="h-conn">Live connections</h2>
${connections.length ? connections.map(([k, v]) => html`<p><span class="big">${fmt(v)}</span> <span class="muted">${k}</span></p>`) : html`<p class="big" id="connections">0</p><p class="muted">no connection counters reported yet</p>`}
</section>
<section class="card" aria-labelledby="h-tps"><h2 id="h-tps">Tokens / s</h2>
${rates.length ? rates.map(([k, v]) => html`<p><span class="big">${fmt(v)}</span> <span class="muted">${k}</span></p>`) : html`<p class="big">–</p><p class="muted">no answers streamed yet</p>`}
</section>
<section class="card" aria-labelledby="h-sys"><h2 id="h-sys">System</h2>
<dl><dt>Version</dt><dd>${VERSION}</dd><dt>Uptime</dt><dd>${uptime} s</dd><dt>Memory</dt><dd>${Math.round(mem.rss / 1048576)} MB RSS</dd></dl>
</section></div>`
}

function detail(e: Record<string, unknown>): string {
  const rest = Object.entries(e).filter(([k]) => k !== 'status')
  return rest.map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ').slice(0, 300)
}

/** `/admin`: every part's health, the active provider, connections and throughput, polled every 2 s. */
export const dashboardPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-dashboard' })
    .get('/admin', async (ctx) =>
      page(ctx, {
        title: 'Dashboard',
        current: '/admin',
        body: html`<h1>Dashboard</h1>
<div id="live" hx-get="/admin/dashboard/live" hx-trigger="every 2s" hx-swap="innerHTML">${await live(d)}</div>
<p class="muted small">Signed in as ${principalOf(ctx).name}.</p>`,
      }),
    )
    .get('/admin/dashboard/live', async () => fragment(await live(d)))
