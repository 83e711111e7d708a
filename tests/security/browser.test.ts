import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { launchBrowser, loginThroughForm, type TestBrowser } from '../helpers/browser'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

describe('admin login in a real browser (issue #7)', () => {
  let hub: TestHub
  let b: TestBrowser
  beforeAll(async () => {
    hub = await startTestHub()
    b = await launchBrowser()
  }, 30_000)
  afterAll(async () => {
    await b?.close()
    await hub?.close()
  })

  test('a wrong token stays on the login page with a message', async () => {
    await b.page.goto(`${hub.url}/admin`)
    expect(b.page.url()).toEndWith('/admin/login')
    await b.page.fill('input[name=token]', 'hth_not_a_real_token_at_all')
    await b.page.click('button[type=submit]')
    expect(await b.page.locator('[role=alert]').textContent()).toContain('not valid')
  }, 20_000)

  test('logging in shows the dashboard; the session cookie is invisible to scripts; logout ends it', async () => {
    await loginThroughForm(b.page, hub.url, ADMIN_TOKEN)
    // The health card is filled by htmx from /api/v1/health: htmx and admin.js loaded under the CSP.
    await b.page.waitForFunction(() => /ok|degraded|down/.test(document.querySelector('#health')?.textContent ?? ''), null, { timeout: 10_000 })
    expect(await b.page.textContent('h2')).toBe('Health')

    const cookies = await b.context.cookies()
    const session = cookies.find((c) => c.name === 'hearth_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' })
    expect(await b.page.evaluate(() => document.cookie)).not.toContain('hearth_session')
    expect(await b.page.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content')?.length)).toBeGreaterThan(20)
    expect(b.problems.filter((p) => /Content Security Policy/i.test(p))).toEqual([])

    // An htmx write from the panel carries the CSRF token (public/admin.js), so the cookie suffices;
    // without the token the same write is refused.
    const htmxPost = async (withToken: boolean) => {
      const saved = await b.page.evaluate((keep) => {
        const meta = document.querySelector('meta[name="csrf-token"]')!
        const token = meta.getAttribute('content')!
        if (!keep) meta.setAttribute('content', '')
        return token
      }, withToken)
      const [res] = await Promise.all([
        b.page.waitForResponse((r) => r.url().endsWith('/api/v1/config/reset')),
        b.page.evaluate(() => {
          const button = document.createElement('button')
          button.setAttribute('hx-post', '/api/v1/config/reset')
          button.setAttribute('hx-swap', 'none')
          document.body.append(button)
          ;(window as unknown as { htmx: { process(e: Element): void } }).htmx.process(button)
          button.click()
        }),
      ])
      await b.page.evaluate((token) => document.querySelector('meta[name="csrf-token"]')!.setAttribute('content', token), saved)
      return res
    }
    const refused = await htmxPost(false)
    expect(refused.status()).toBe(403)
    const accepted = await htmxPost(true)
    expect(accepted.request().headers()['x-csrf-token']).toBeDefined()
    expect(accepted.status()).toBe(200)

    await Promise.all([b.page.waitForURL(/\/admin\/login$/), b.page.click('form.logout button')])
    await b.page.goto(`${hub.url}/admin`)
    expect(b.page.url()).toEndWith('/admin/login')
  }, 30_000)
})
