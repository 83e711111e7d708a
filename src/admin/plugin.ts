import { Elysia } from 'elysia'
import { VERSION } from '../core/version'

const page = (body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Hearth</title><link rel="stylesheet" href="/assets/app.css"><script src="/assets/htmx.min.js"></script></head>
<body><header><h1>Hearth</h1><span class="muted">v${VERSION}</span></header><main>${body}</main></body></html>`

/** Placeholder admin panel: proves the embedded assets are served (the real panel is its own issue). */
export const adminPlugin = () =>
  new Elysia({ name: 'admin' }).get(
    '/admin',
    () =>
      new Response(
        page(`<div class="card"><p>Health: <span hx-get="/api/v1/health" hx-trigger="load" hx-swap="innerHTML">loading…</span></p></div>`),
        { headers: { 'content-type': 'text/html; charset=utf-8' } },
      ),
  )
