import { Elysia, t } from 'elysia'
import { principalOf, type AdminSessions, type Principal } from '../auth/types'
import { HearthError } from '../core/errors'
import { escapeHtml, html, layout } from './layout'

const loginPage = (message?: string) =>
  layout({
    title: 'Log in',
    body: `<div class="card"><h2>Log in</h2>
<p class="muted">Paste an admin token (printed at first start, or <code>hearth token create --name me --scopes admin</code>).</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/admin/login"><label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button></form></div>`,
  })

const dashboard = (p: Principal) =>
  layout({
    title: 'Dashboard',
    current: '/admin',
    csrf: p.session?.csrf,
    body: `<div class="card" id="health-card"><h2>Health</h2>
<p>Status: <span id="health" hx-get="/api/v1/health" hx-trigger="load" hx-swap="innerHTML">loading…</span></p></div>
<div class="card"><p class="muted">Signed in as ${escapeHtml(p.name)}.</p></div>`,
  })

/**
 * The admin panel's edge. The guard has already decided: a request reaching `/admin` carries an
 * admin principal (a browser without a session was sent to the login page).
 */
export const adminPlugin = (sessions: AdminSessions) =>
  new Elysia({ name: 'admin' })
    .get('/admin', (ctx) => html(dashboard(principalOf(ctx))))
    .get('/admin/login', () => html(loginPage()))
    .post(
      '/admin/login',
      ({ body, request, server }) => {
        try {
          const { setCookie } = sessions.login(body.token, request, server?.requestIP(request)?.address)
          return new Response(null, { status: 303, headers: { location: '/admin', 'set-cookie': setCookie, 'cache-control': 'no-store' } })
        } catch (err) {
          if (err instanceof HearthError && err.status < 500) return html(loginPage(err.message), err.status)
          throw err
        }
      },
      { body: t.Object({ token: t.String({ maxLength: 512 }) }) },
    )
    .post('/admin/logout', ({ request, server }) => {
      const { setCookie } = sessions.logout(request, server?.requestIP(request)?.address)
      return new Response(null, { status: 303, headers: { location: '/admin/login', 'set-cookie': setCookie } })
    })
