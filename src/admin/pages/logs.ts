import { Elysia } from 'elysia'
import { html, raw } from '../html'
import { fragment, page } from '../page'
import type { AdminDeps } from '../types'
import { unavailable } from '../notice'
import { sseFrame, sseResponse, wantsEventStream } from '../sse'

const LEVEL = /"level":"(debug|info|warn|error)"/

/** One log line as the markup htmx appends (escaped: log text is data, never markup). */
export const logLine = (line: string) => html`<div class="log-line level-${LEVEL.exec(line)?.[1] ?? 'info'}">${line}</div>`.value

/** `/admin/logs`: the recent lines from the in-memory ring, then new ones as they are written (SSE). */
export const logsPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-logs' })
    .get('/admin/logs', (ctx) =>
      page(ctx, {
        title: 'Logs',
        current: '/admin/logs',
        scripts: ['hx-sse.js', 'live-log.js'],
        body: d.logRing
          ? html`<h1>Live log</h1><p class="muted">The last ${d.logRing.capacity} lines kept in memory, then new lines as they happen. Secrets are masked by the logger.</p>
<div id="log" class="log" role="log" aria-live="polite" tabindex="0" hx-sse:connect="/admin/logs/stream" hx-swap="beforeend"></div>`
          : html`<h1>Live log</h1>${unavailable('The live log', 'log ring buffer')}`,
      }),
    )
    .get('/admin/logs/stream', ({ request }) => {
      const ring = d.logRing
      if (!ring) return new Response('no log ring', { status: 404 })
      // Only an event-stream client (htmx's SSE extension asks for one) gets the endless stream;
      // anything else gets the recent lines once.
      if (!wantsEventStream(request)) return fragment(raw(ring.recent(200).map(logLine).join('')))
      return sseResponse(request, (send) => {
        const backlog = ring.recent(200)
        if (backlog.length) send(sseFrame(backlog.map(logLine).join('')))
        return ring.subscribe((line) => send(sseFrame(logLine(line))))
      })
    })
