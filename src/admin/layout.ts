import { VERSION } from '../core/version'

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export type NavItem = { href: string; label: string }

/** The panel's pages; later pages add themselves here. */
export const NAV: NavItem[] = [{ href: '/admin', label: 'Dashboard' }]

export type LayoutOptions = {
  title: string
  /** Trusted HTML (callers escape what they interpolate). */
  body: string
  /** The session's CSRF token: htmx sends it (public/admin.js), forms carry it as `_csrf`. */
  csrf?: string
  /** The current page's path, highlighted in the nav; no nav at all when omitted (login). */
  current?: string
}

/** A hidden form field with the CSRF token, for plain (non-htmx) forms. */
export const csrfField = (csrf: string): string => `<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">`

/**
 * The whole page around a panel view. No inline script or style anywhere: the CSP forbids both,
 * so behaviour lives in /assets/admin.js and htmx attributes.
 */
export function layout(o: LayoutOptions): string {
  const nav =
    o.current === undefined
      ? ''
      : `<nav>${NAV.map((n) => `<a href="${n.href}"${n.href === o.current ? ' aria-current="page"' : ''}>${escapeHtml(n.label)}</a>`).join('')}</nav>` +
        (o.csrf ? `<form method="post" action="/admin/logout" class="logout">${csrfField(o.csrf)}<button type="submit">Log out</button></form>` : '')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${o.csrf ? `<meta name="csrf-token" content="${escapeHtml(o.csrf)}">` : ''}
<title>${escapeHtml(o.title)} · Hearth</title><link rel="stylesheet" href="/assets/app.css">
<script src="/assets/htmx.min.js"></script><script src="/assets/admin.js"></script></head>
<body><header><h1>Hearth</h1><span class="muted">v${VERSION}</span>${nav}</header><main>${o.body}</main></body></html>`
}

export const html = (body: string, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers } })
