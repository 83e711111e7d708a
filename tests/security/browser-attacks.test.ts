import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { hostAllowed, originAllowed } from '../../src/auth/host-check'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

async function login(hub: TestHub, headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string; csrf: string }> {
  const res = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual', headers })
  expect(res.status).toBe(303)
  const setCookie = res.headers.get('set-cookie')!
  const cookie = setCookie.split(';')[0]!
  const page = await (await fetch(`${hub.url}/admin`, { headers: { cookie } })).text()
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]!
  return { cookie, setCookie, csrf }
}

describe('browser attacks fail (issue #7)', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({ yaml: 'server:\n  allowed_hosts: [hearth.example.net]\n  allowed_origins: ["https://panel.example.net"]\n' })
  })
  afterAll(() => hub.close())

  describe('CSRF', () => {
    const newToken = (name: string) => JSON.stringify({ name, scopes: ['chat'] })

    test('a cookie-authenticated write without, or with a wrong, CSRF token is 403; with the right one it works', async () => {
      const { cookie, csrf } = await login(hub)
      const post = (headers: Record<string, string>, body = newToken(`t${Math.random().toString(36).slice(2, 8)}`)) =>
        fetch(`${hub.url}/api/v1/tokens`, { method: 'POST', body, headers: { cookie, 'content-type': 'application/json', ...headers } })
      const none = await post({})
      expect(none.status).toBe(403)
      expect(((await none.json()) as { error: { message: string } }).error.message).toContain('CSRF')
      expect((await post({ 'x-csrf-token': 'forged' })).status).toBe(403)
      expect((await post({ 'x-csrf-token': csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A') })).status).toBe(403)
      expect((await post({ 'x-csrf-token': csrf })).status).toBe(201)
      // Every state-changing method is covered, reads are not.
      for (const method of ['PATCH', 'PUT', 'DELETE']) {
        const res = await fetch(`${hub.url}/api/v1/config`, { method, headers: { cookie, 'content-type': 'application/json' }, body: '{}' })
        expect({ method, status: res.status }).toEqual({ method, status: 403 })
      }
      expect((await fetch(`${hub.url}/api/v1/tokens`, { headers: { cookie } })).status).toBe(200)
    })

    test('a form post carries the token as _csrf; another session\'s token does not fit', async () => {
      const mine = await login(hub)
      const theirs = await login(hub)
      const form = (csrf: string) =>
        fetch(`${hub.url}/api/v1/config/reset`, { method: 'POST', headers: { cookie: mine.cookie }, body: new URLSearchParams({ _csrf: csrf }) })
      expect((await form(theirs.csrf)).status).toBe(403)
      expect((await form(mine.csrf)).status).toBe(200)
    })

    test('a write from another site is refused even with the token; a bearer-token write needs no CSRF', async () => {
      const { cookie, csrf } = await login(hub)
      const res = await fetch(`${hub.url}/api/v1/tokens`, {
        method: 'POST',
        body: newToken('crosssite'),
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      })
      expect(res.status).toBe(403)
      expect((await hub.api('/api/v1/tokens', { method: 'POST', body: newToken('scripted') })).status).toBe(201)
    })

    test('login from another site is refused (login CSRF)', async () => {
      const res = await fetch(`${hub.url}/admin/login`, {
        method: 'POST',
        body: new URLSearchParams({ token: ADMIN_TOKEN }),
        redirect: 'manual',
        headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      })
      expect(res.status).toBe(403)
      expect(res.headers.get('set-cookie')).toBeNull()
    })

    test('logout needs the CSRF token and ends the session', async () => {
      const { cookie, csrf } = await login(hub)
      expect((await fetch(`${hub.url}/admin/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' })).status).toBe(403)
      const out = await fetch(`${hub.url}/admin/logout`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual' })
      expect(out.status).toBe(303)
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
      expect((await fetch(`${hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(401)
    })

    test('revoking the token ends its sessions', async () => {
      const made = (await (await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'second-admin', scopes: ['admin'] }) })).json()) as { token: string }
      const res = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: made.token }), redirect: 'manual' })
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!
      expect((await fetch(`${hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(200)
      await hub.api('/api/v1/tokens/second-admin', { method: 'DELETE' })
      expect((await fetch(`${hub.url}/api/v1/info`, { headers: { cookie } })).status).toBe(401)
    })

    test('only admin tokens open a panel session', async () => {
      const made = (await (await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'chat-panel', scopes: ['chat'] }) })).json()) as { token: string }
      const res = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: made.token }), redirect: 'manual' })
      expect(res.status).toBe(403)
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(await res.text()).toContain('admin')
    })
  })

  describe('DNS rebinding', () => {
    const hosts = ['evil.example', 'evil.example:8000', 'attacker.com.', 'hearth.example.net.evil.example']
    test('a foreign Host is 403 on /mcp and /ws/chat even with a valid token', async () => {
      for (const [method, path] of [['POST', '/mcp'], ['GET', '/ws/chat'], ['GET', `/ws/chat?token=${ADMIN_TOKEN}`]] as const) {
        for (const host of hosts) {
          const res = await fetch(hub.url + path, { method, headers: { host, authorization: `Bearer ${ADMIN_TOKEN}` }, body: method === 'POST' ? '{}' : undefined })
          expect({ path, host, status: res.status }).toEqual({ path, host, status: 403 })
        }
      }
    })

    test('a foreign Origin is 403; the same origin and allowed ones pass', async () => {
      const port = new URL(hub.url).port
      const attempt = (origin: string, host = `127.0.0.1:${port}`) =>
        fetch(`${hub.url}/ws/chat`, { headers: { host, origin, authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.status)
      expect(await attempt('http://evil.example')).toBe(403)
      expect(await attempt('null')).toBe(403)
      expect(await attempt(`http://127.0.0.1:${Number(port) + 1}`)).toBe(403)
      expect(await attempt(`http://127.0.0.1:${port}`)).not.toBe(403)
      expect(await attempt('https://panel.example.net')).not.toBe(403)
      expect(await attempt('http://hearth.example.net', 'hearth.example.net')).not.toBe(403)
    })

    test('LAN names are accepted', () => {
      const rules = { allowedHosts: ['hearth.example.net'], allowedOrigins: [], machine: 'pi4' }
      for (const h of ['127.0.0.1:8000', '[::1]:8000', '192.168.1.20', 'localhost:8000', 'pi4', 'pi4:8000', 'hearth.local', 'hearth.lan:80', 'box.home.arpa', 'hearth.example.net', 'HEARTH.LOCAL.']) {
        expect({ h, ok: hostAllowed(h, rules) }).toEqual({ h, ok: true })
      }
      for (const h of ['evil.example', 'local', 'pi4.evil.example', 'hearth.example.net.evil', '', 'localhost.evil.example']) {
        expect({ h, ok: hostAllowed(h, rules) }).toEqual({ h, ok: false })
      }
      expect(hostAllowed(null, rules)).toBe(false)
      expect(originAllowed(null, 'pi4:8000', rules)).toBe(true)
      expect(originAllowed('not a url', 'pi4:8000', rules)).toBe(false)
    })
  })

  describe('clickjacking and headers', () => {
    test('admin pages (login, dashboard) and API answers cannot be framed or sniffed', async () => {
      const { cookie } = await login(hub)
      for (const res of [
        await fetch(`${hub.url}/admin/login`),
        await fetch(`${hub.url}/admin`, { headers: { cookie } }),
        await fetch(`${hub.url}/admin`, { redirect: 'manual' }),
        await hub.api('/api/v1/info'),
        await hub.api('/api/v1/nope'),
        await fetch(`${hub.url}/api/v1/info`),
        await fetch(`${hub.url}/assets/app.css`),
      ]) {
        expect(res.headers.get('x-frame-options')).toBe('DENY')
        expect(res.headers.get('x-content-type-options')).toBe('nosniff')
        expect(res.headers.get('referrer-policy')).toBe('no-referrer')
        expect(res.headers.get('content-security-policy')).toBe(CSP)
      }
    })

    test('pages hold no inline script or style (the CSP would block them)', async () => {
      const { cookie } = await login(hub)
      for (const page of [await (await fetch(`${hub.url}/admin/login`)).text(), await (await fetch(`${hub.url}/admin`, { headers: { cookie } })).text()]) {
        expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
        expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/)
      }
    })
  })

  describe('session cookie flags', () => {
    test('HttpOnly, SameSite=Strict, Path=/, expiry from auth.session_hours; no Secure over plain HTTP', async () => {
      const { setCookie } = await login(hub)
      expect(setCookie).toMatch(/^hearth_session=[A-Za-z0-9_-]{43}; /)
      expect(setCookie).toContain('HttpOnly')
      expect(setCookie).toContain('SameSite=Strict')
      expect(setCookie).toContain('Path=/')
      expect(setCookie).toContain('Max-Age=86400')
      expect(setCookie).not.toContain('Secure')
    })

    test('Secure when a trusted proxy says the browser used HTTPS', async () => {
      const { setCookie } = await login(hub, { 'x-forwarded-proto': 'https' })
      expect(setCookie).toMatch(/; Secure$/)
    })

    test('X-Forwarded-Proto from a peer that is not a trusted proxy is ignored; session_hours is honoured', async () => {
      const other = await startTestHub({ yaml: 'server:\n  trusted_proxies: []\nauth:\n  session_hours: 2\n' })
      try {
        const res = await fetch(`${other.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } })
        const setCookie = res.headers.get('set-cookie')!
        expect(setCookie).not.toContain('Secure')
        expect(setCookie).toContain('Max-Age=7200')
      } finally {
        await other.close()
      }
    })

    test('the session id is stored hashed, not as the cookie value', async () => {
      const { cookie } = await login(hub)
      const id = cookie.split('=')[1]!
      const rows = hub.services.db.sqlite.query('SELECT hash, csrf FROM sessions').all() as { hash: string }[]
      expect(rows.length).toBeGreaterThan(0)
      expect(rows.some((r) => r.hash === id)).toBe(false)
      expect(rows.some((r) => r.hash === new Bun.CryptoHasher('sha256').update(id).digest('hex'))).toBe(true)
    })
  })
})
