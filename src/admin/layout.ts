import { VERSION } from '../core/version'
import { escapeHtml, html, raw, type Safe } from './html'

export { escapeHtml } from './html'

export type NavItem = { href: string; label: string }

/** The panel's pages, in menu order. */
export const NAV: NavItem[] = [
  { href: '/admin', label: 'Dashboard' },
  { href: '/admin/chat', label: 'Chat' },
  { href: '/admin/providers', label: 'Providers' },
  { href: '/admin/conversations', label: 'Conversations' },
  { href: '/admin/tools', label: 'Tools' },
  { href: '/admin/mcp', label: 'MCP servers' },
  { href: '/admin/devices', label: 'Devices' },
  { href: '/admin/tokens', label: 'Tokens' },
  { href: '/admin/settings', label: 'Settings' },
  { href: '/admin/logs', label: 'Logs' },
]

export type LayoutOptions = {
  title: string
  /** Built with `html`, so already escaped. A plain string is trusted markup (login page). */
  body: Safe | string
  /** The session's CSRF token: htmx sends it (public/admin.js), forms carry it as `_csrf`. */
  csrf?: string
  /** The current page's path, highlighted in the nav; no nav at all when omitted (login). */
  current?: string
  /** Extra scripts of this page (files under /assets; the CSP forbids inline script). */
  scripts?: string[]
}

/** A hidden form field with the CSRF token, for plain (non-htmx) forms. */
export const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">`

/**
 * The whole page around a panel view. No inline script or style anywhere: the CSP forbids both,
 * so behaviour lives in /assets/*.js files and htmx attributes.
 */
export function layout(o: LayoutOptions): string {
  const nav =
    o.current === undefined
      ? ''
      : html`<nav aria-label="Sections">${NAV.map(
          (n) => html`<a href="${n.href}"${raw(n.href === o.current ? ' aria-current="page"' : '')}>${n.label}</a>`,
        )}</nav>${o.csrf ? raw(`<form method="post" action="/admin/logout" class="logout">${csrfField(o.csrf)}<button type="submit">Log out</button></form>`) : ''}`
  const scripts = (o.scripts ?? []).map((s) => html`<script src="/assets/${s}"></script>`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${o.csrf ? `<meta name="csrf-token" content="${escapeHtml(o.csrf)}">` : ''}
<title>${escapeHtml(o.title)} · Hearth</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/app.css">
<script src="/assets/htmx.min.js"></script><script src="/assets/admin.js"></script>${html`${scripts}`}</head>
<body><a class="skip" href="#main">Skip to content</a><header><a class="brand" href="/admin">Hearth</a><span class="muted">v${VERSION}</span>${nav}</header><main id="main">${String(o.body)}</main></body></html>`
}

export const htmlResponse = (body: string, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers } })

