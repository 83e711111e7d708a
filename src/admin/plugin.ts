import { Elysia, t } from 'elysia'
import { HearthError } from '../core/errors'
import { html as h } from './html'
import { htmlResponse as html, layout } from './layout'
import { chatPage } from './pages/chat'
import { conversationsPage } from './pages/conversations'
import { dashboardPage } from './pages/dashboard'
import { devicesPage } from './pages/devices'
import { logsPage } from './pages/logs'
import { mcpPage } from './pages/mcp'
import { providersPage } from './pages/providers'
import { settingsPage } from './pages/settings'
import { toolsPage } from './pages/tools'
import { tokensPage } from './pages/tokens'
import type { AdminDeps } from './types'

const loginPage = (message?: string) =>
  layout({
    title: 'Log in',
    body: h`<div class="card"><h1>Log in</h1>
<p class="muted">Paste an admin token (printed at first start, or <code>hearth token create --name me --scopes admin</code>).</p>
${message ? h`<p class="error" role="alert">${message}</p>` : ''}
<form method="post" action="/admin/login"><label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button></form></div>`,
  })

/**
 * The admin panel's edge. The guard has already decided: a request reaching `/admin` carries an
 * admin principal (a browser without a session was sent to the login page).
 */
export const adminPlugin = (d: AdminDeps) => {
  const sessions = d.auth
  return new Elysia({ name: 'admin' })
    .use(dashboardPage(d))
    .use(chatPage(d))
    .use(providersPage(d))
    .use(conversationsPage(d))
    .use(toolsPage(d))
    .use(mcpPage(d))
    .use(devicesPage(d))
    .use(tokensPage(d))
    .use(settingsPage(d))
    .use(logsPage(d))
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
}
