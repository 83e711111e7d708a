import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { assetsPlugin } from '../../src/admin/assets'
import { toolsPage } from '../../src/admin/pages/tools'
import type { AdminDeps } from '../../src/admin/types'
import { Registry } from '../../src/mcp/registry'
import { jsonResult } from '../../src/mcp/types'
import { launchBrowser, loginThroughForm, type TestBrowser } from '../helpers/browser'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { startProviderFakes, type ProviderFakes } from '../helpers/provider-fakes'

const PAGES = ['/admin', '/admin/chat', '/admin/providers', '/admin/conversations', '/admin/tools', '/admin/mcp', '/admin/devices', '/admin/tokens', '/admin/settings', '/admin/logs']

// One browser for the whole file; each describe opens its own page state.
let b: TestBrowser
beforeAll(async () => {
  b = await launchBrowser()
  b.page.on('dialog', (d) => void d.accept())
}, 30_000)
afterAll(async () => {
  await b?.close()
})

/** The admin panel (SPEC §8) in a real browser against a real hub. */
describe('admin panel in a real browser', () => {
  let fakes: ProviderFakes
  let hub: TestHub
  const memoryFile = join(tmpdir(), `hearth-admin-memory-${process.pid}.jsonl`)
  beforeAll(async () => {
    fakes = startProviderFakes()
    // One external MCP server (server-memory from node_modules, run by bun) for the MCP page.
    const memory = resolve(import.meta.dir, '../../node_modules/@modelcontextprotocol/server-memory/dist/index.js')
    const mcp = `mcp:\n  servers:\n    memory: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(memory)}], env: { MEMORY_FILE_PATH: ${JSON.stringify(memoryFile)} } }\n`
    hub = await startTestHub({ yaml: fakes.yaml() + mcp })
    await loginThroughForm(b.page, hub.url, ADMIN_TOKEN)
  }, 30_000)
  afterAll(async () => {
    // Leave the log page first: its event stream would report the hub going away as an error.
    await b?.page.goto('about:blank')
    await hub?.close()
    await fakes?.stop()
    rmSync(memoryFile, { force: true })
  })

  test('every page renders with its nav entry current and no console or CSP errors', async () => {
    for (const path of PAGES) {
      await b.page.goto(hub.url + path)
      expect(b.page.url()).toBe(hub.url + path)
      expect(await b.page.getAttribute('nav a[aria-current=page]', 'href')).toBe(path)
      expect(await b.page.locator('main h1').count()).toBe(1)
    }
    // Keyboard: the first Tab lands on the skip link, which moves focus past the nav.
    await b.page.keyboard.press('Tab')
    expect(await b.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    // A narrow phone screen: nothing wider than the viewport on the dashboard.
    await b.page.setViewportSize({ width: 375, height: 740 })
    await b.page.goto(hub.url + '/admin')
    expect(await b.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
    await b.page.setViewportSize({ width: 1200, height: 800 })
    expect(b.problems).toEqual([])
  }, 20_000)

  test('the dashboard shows health per part and the active provider, and refreshes itself', async () => {
    await b.page.goto(hub.url + '/admin')
    expect(await b.page.textContent('#health')).toBe('ok')
    expect(await b.page.textContent('#active-provider')).toBe('openai')
    await hub.api('/api/v1/providers/gemini/use', { method: 'POST' })
    await b.page.waitForFunction(() => document.querySelector('#active-provider')?.textContent === 'gemini', null, { timeout: 5000 })
    await hub.api('/api/v1/providers/openai/use', { method: 'POST' })
  }, 15_000)

  test('switching the active provider from the providers page', async () => {
    await b.page.goto(hub.url + '/admin/providers')
    expect(await b.page.textContent('#providers tr.active th')).toContain('openai')
    await b.page.click('button[aria-label="Use anthropic"]')
    await b.page.waitForSelector('#providers [role=status]')
    expect(await b.page.textContent('#providers tr.active th')).toContain('anthropic')
    const api = (await (await hub.api('/api/v1/providers')).json()) as { active: { name: string } }
    expect(api.active.name).toBe('anthropic')

    // Testing a provider reaches the stand-in and reports back in the row.
    await b.page.click('button[aria-label="Test anthropic"]')
    await b.page.waitForSelector('#test-anthropic .badge', { timeout: 10_000 })
    expect(await b.page.textContent('#test-anthropic .badge')).toBe('ok')

    // A bad add is refused with a message; the list stays.
    await b.page.fill('form[hx-post="/admin/providers"] input[name=name]', 'bad name!')
    await b.page.evaluate(() => document.querySelector<HTMLInputElement>('form[hx-post="/admin/providers"] input[name=name]')!.removeAttribute('pattern'))
    await b.page.fill('form[hx-post="/admin/providers"] input[name=model]', 'x')
    await b.page.click('form[hx-post="/admin/providers"] button[type=submit]')
    await b.page.waitForSelector('#providers [role=alert]')
    expect(await b.page.locator('#providers tbody tr').count()).toBe(3)

    // Add one (a runtime override), edit its model, remove it.
    await b.page.fill('form[hx-post="/admin/providers"] input[name=name]', 'local')
    await b.page.fill('form[hx-post="/admin/providers"] input[name=model]', 'llama-fake')
    await b.page.fill('form[hx-post="/admin/providers"] input[name=base_url]', `${fakes.openai.url}/v1`)
    await b.page.click('form[hx-post="/admin/providers"] button[type=submit]')
    await b.page.waitForSelector('button[aria-label="Use local"]', { timeout: 5000 })
    const local = b.page.locator('#providers tr', { has: b.page.locator('button[aria-label="Use local"]') })
    await local.locator('summary').click()
    await local.locator('input[name=model]').fill('llama-bigger')
    await local.locator('form button[type=submit]').click()
    await b.page.waitForFunction(() => document.querySelector('#providers [role=status]')?.textContent === 'Saved local.', null, { timeout: 5000 })
    expect((hub.services.providers.list().find((p) => p.name === 'local'))?.model).toBe('llama-bigger')
    await b.page.locator('#providers tr', { has: b.page.locator('button[aria-label="Use local"]') }).locator('button.danger').click()
    await b.page.waitForFunction(() => !document.querySelector('button[aria-label="Use local"]'), null, { timeout: 5000 })
    expect(hub.services.providers.list().map((p) => p.name)).toEqual(['openai', 'anthropic', 'gemini'])
    await hub.api('/api/v1/providers/openai/use', { method: 'POST' })
  }, 20_000)

  test('creating a token shows it once; revoking it stops it working', async () => {
    await b.page.goto(hub.url + '/admin/tokens')
    // Keyboard only: type the name, tick a scope with Space, submit with Enter.
    await b.page.focus('input[name=name]')
    await b.page.keyboard.type('kitchen-tablet')
    await b.page.focus('input[name=scopes][value="tools:list"]')
    await b.page.keyboard.press('Space')
    await b.page.focus('input[name=name]')
    await b.page.keyboard.press('Enter')
    const token = (await b.page.textContent('#new-token', { timeout: 5000 }))!
    expect(token).toStartWith('hth_')
    expect((await hub.api('/api/v1/info', { token })).status).toBe(200)
    // Shown once: the page, reloaded, lists the token but not its secret.
    await b.page.reload()
    expect(await b.page.textContent('#tokens')).toContain('kitchen-tablet')
    expect(await b.page.content()).not.toContain(token)

    await b.page.click('button[aria-label="Revoke kitchen-tablet"]')
    await b.page.waitForSelector('#tokens [role=status]')
    expect(await b.page.textContent('#tokens')).toContain('revoked')
    expect((await hub.api('/api/v1/info', { token })).status).toBe(401)
  }, 15_000)

  test('editing a setting makes it an override; reset returns it to its default', async () => {
    await b.page.goto(hub.url + '/admin/settings')
    const row = 'tr[data-key="auth.requests_per_minute"]'
    expect(await b.page.textContent(`${row} .badge`)).toBe('default')
    await b.page.fill(`${row} input[name=value]`, '777')
    await b.page.click(`${row} button[type=submit]`)
    await b.page.waitForFunction((sel) => document.querySelector(`${sel} .badge`)?.textContent === 'override', row, { timeout: 5000 })
    expect(hub.services.config.current.auth.requests_per_minute).toBe(777)

    // An invalid value is refused with a message and nothing changes.
    await b.page.fill(`${row} input[name=value]`, '"many"')
    await b.page.click(`${row} button[type=submit]`)
    await b.page.waitForSelector(`${row} [role=alert]`)
    expect(hub.services.config.current.auth.requests_per_minute).toBe(777)

    await b.page.click(`${row} button[aria-label="Reset auth.requests_per_minute"]`)
    await b.page.waitForFunction((sel) => document.querySelector(`${sel} .badge`)?.textContent === 'default', row, { timeout: 5000 })
    expect(hub.services.config.current.auth.requests_per_minute).toBe(600)

    // The filter narrows the table from the server.
    await b.page.fill('input[name=q]', 'streams_per')
    await b.page.waitForFunction(() => document.querySelectorAll('#settings tbody tr').length === 1, null, { timeout: 5000 })
  }, 15_000)

  test('trying a built-in tool from its generated form shows the result', async () => {
    await b.page.goto(hub.url + '/admin/tools')
    await b.page.fill('input[name=q]', 'configuration read')
    await b.page.waitForSelector('#tools a[href="/admin/tools/config_get"]', { timeout: 5000 })
    await b.page.click('#tools a[href="/admin/tools/config_get"]')
    await b.page.waitForURL(/\/admin\/tools\/config_get$/)
    await b.page.fill('#f-key', 'auth.streams_per_token')
    await b.page.click('.tool-form button[type=submit]')
    await b.page.waitForSelector('#result .tool-result', { timeout: 5000 })
    expect(await b.page.textContent('#result h3')).toBe('Result')
    expect(await b.page.textContent('#result .result-text')).toContain('"auth.streams_per_token"')
  }, 15_000)

  test('chat: a message streams its answer into the page over /ws/chat on the panel session', async () => {
    await b.page.goto(hub.url + '/admin/chat')
    if (!('chat' in hub.services)) {
      // Until the chat feature is part of the hub, the page says so instead of failing.
      expect(await b.page.textContent('main')).toContain('Not available')
      return
    }
    await b.page.waitForFunction(() => document.querySelector('#chat-status')?.textContent === 'connected', null, { timeout: 5000 })
    fakes.openai.queue({ text: ['Hello', ' from', ' the', ' stand-in'], delayMs: 30, usage: { input: 5, output: 4 } })
    await b.page.fill('#chat-input', 'Say hello <b>please</b>')
    await b.page.press('#chat-input', 'Enter')
    // The first chunk shows before the answer is complete: it is streamed, not delivered at the end.
    await b.page.waitForFunction(() => (document.querySelector('.msg.assistant .text')?.textContent ?? '').startsWith('Hello'), null, { timeout: 5000 })
    await b.page.waitForSelector('.msg.assistant[data-done=true]', { timeout: 5000 })
    expect(await b.page.textContent('.msg.assistant .text')).toBe('Hello from the stand-in')
    expect(await b.page.textContent('.msg.user .text')).toBe('Say hello <b>please</b>')
    expect(await b.page.textContent('.msg.assistant .meta')).toContain('openai')
    // The conversation id lands in the URL, so a reload shows the history.
    await b.page.waitForURL(/[?&]c=/)
    await b.page.reload()
    await b.page.waitForFunction(() => document.querySelectorAll('.msg').length === 2, null, { timeout: 5000 })
    expect(await b.page.textContent('.msg.assistant .text')).toBe('Hello from the stand-in')
    expect(b.problems).toEqual([])
  }, 20_000)

  test('conversations: browse, search, export, delete', async () => {
    await b.page.goto(hub.url + '/admin/conversations')
    if (!('chat' in hub.services)) {
      expect(await b.page.textContent('main')).toContain('Not available')
      return
    }
    // The chat test above left one conversation.
    const row = b.page.locator('#conversations tbody tr[data-id]').first()
    const id = (await row.getAttribute('data-id'))!
    expect(id).toBeTruthy()
    await b.page.fill('#conv-q', 'stand-in')
    await b.page.press('#conv-q', 'Enter')
    await b.page.waitForSelector('#search-results h2', { timeout: 5000 })
    expect(await b.page.textContent('#search-results')).toContain(id)

    const md = await b.page.request.get(`${hub.url}/api/v1/conversations/${id}/export?format=md`)
    expect(md.status()).toBe(200)
    expect(await md.text()).toContain('Hello from the stand-in')
    expect(await b.page.getAttribute(`#conversations tr[data-id="${id}"] a[href$="format=json"]`, 'href')).toBe(`/api/v1/conversations/${id}/export?format=json`)

    await b.page.click(`#conversations tr[data-id="${id}"] button.danger`)
    await b.page.waitForSelector('#conversations [role=status]', { timeout: 5000 })
    expect(await b.page.locator(`#conversations tr[data-id="${id}"]`).count()).toBe(0)
    expect((await hub.api(`/api/v1/conversations/${id}`)).status).toBe(404)
  }, 15_000)

  test('MCP servers: status, toggle off and on, their tools', async () => {
    await b.page.goto(hub.url + '/admin/mcp')
    if (!('aggregator' in hub.services)) {
      expect(await b.page.textContent('main')).toContain('Not available')
      return
    }
    const row = '#servers tr[data-server="memory"]'
    const state = () => b.page.textContent(`${row} [data-state]`)
    for (let i = 0; i < 50 && (await state()) !== 'ready'; i++) {
      await Bun.sleep(200)
      await b.page.reload()
    }
    expect(await state()).toBe('ready')
    await b.page.click('button[aria-label="Disable memory"]')
    await b.page.waitForSelector('#servers [role=status]', { timeout: 5000 })
    expect(await b.page.getAttribute('button[aria-label="Enable memory"]', 'aria-pressed')).toBe('false')
    const listed = (await (await hub.api('/api/v1/mcp/servers')).json()) as { servers: { name: string; enabled: boolean }[] }
    expect(listed.servers.find((x) => x.name === 'memory')?.enabled).toBe(false)
    await b.page.click('button[aria-label="Enable memory"]')
    await b.page.waitForSelector('button[aria-label="Disable memory"]', { timeout: 5000 })
    for (let i = 0; i < 50 && (await state()) !== 'ready'; i++) {
      await Bun.sleep(200)
      await b.page.reload()
    }
    expect(await state()).toBe('ready')
    await b.page.click(`${row} a[href="/admin/mcp/memory"]`)
    await b.page.waitForURL(/\/admin\/mcp\/memory$/)
    expect(await b.page.textContent('main table')).toContain('create_entities')
  }, 25_000)

  test('the live log tail shows recent lines and then new ones as they are written', async () => {
    await b.page.goto(hub.url + '/admin/logs')
    await b.page.waitForSelector('#log .log-line', { timeout: 5000 })
    expect(await b.page.textContent('#log')).toContain('admin session opened')
    hub.services.log.child('test').warn('marker <b>not markup</b>', { token: 'hth_should_be_masked_0123456789' })
    await b.page.waitForSelector('#log .log-line.level-warn', { timeout: 5000 })
    const text = await b.page.textContent('#log .log-line.level-warn')
    expect(text).toContain('marker <b>not markup</b>')
    expect(text).not.toContain('hth_should_be_masked')
    expect(await b.page.locator('#log b').count()).toBe(0)
    expect(b.problems).toEqual([])
  }, 15_000)
})

/**
 * The tools page against a registry with real tools (a hub does not build one until the MCP
 * feature is in): the form is generated from each input schema and a call shows its result.
 */
describe('tool form in a real browser', () => {
  let server: { stop(closeActive?: boolean): Promise<unknown> } | undefined
  let url = ''
  let seen: Record<string, unknown> | undefined
  beforeAll(async () => {
    const tools = new Registry()
    tools.register({
      name: 'lamp_set',
      description: 'Set a lamp',
      source: 'builtin',
      inputSchema: {
        type: 'object',
        properties: {
          room: { type: 'string', description: 'Which room' },
          brightness: { type: 'integer', minimum: 0, maximum: 254 },
          on: { type: 'boolean' },
          mode: { type: 'string', enum: ['warm', 'cold'] },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['room', 'on'],
      },
      handler: (args) => {
        seen = args
        return jsonResult({ ok: true, echoed: args })
      },
    })
    tools.register({ name: 'broken', description: 'Always fails', source: 'builtin', inputSchema: { type: 'object' }, handler: () => { throw new Error('lamp unreachable') } })
    const deps = { tools } as unknown as AdminDeps
    const app = new Elysia().use(assetsPlugin()).use(toolsPage(deps)).listen({ hostname: '127.0.0.1', port: 0 })
    server = app
    url = `http://127.0.0.1:${app.server!.port}`
  })
  afterAll(async () => {
    await server?.stop(true)
  })

  test('search, generated form, call, result', async () => {
    await b.page.goto(`${url}/admin/tools`)
    await b.page.fill('input[name=q]', 'lamp')
    await b.page.waitForFunction(() => document.querySelectorAll('#tools li').length === 1, null, { timeout: 5000 })
    await b.page.click('#tools a')
    await b.page.waitForURL(/\/admin\/tools\/lamp_set$/)
    expect(await b.page.getAttribute('#f-brightness', 'type')).toBe('number')
    expect(await b.page.locator('#f-mode option').allTextContents()).toEqual(['(not set)', 'warm', 'cold'])
    await b.page.fill('#f-room', 'kitchen')
    await b.page.fill('#f-brightness', '120')
    await b.page.selectOption('#f-on', 'true')
    await b.page.selectOption('#f-mode', 'warm')
    await b.page.fill('#f-tags', '["a","b"]')
    await b.page.click('.tool-form button[type=submit]')
    await b.page.waitForSelector('#result .tool-result', { timeout: 5000 })
    expect(seen).toEqual({ room: 'kitchen', brightness: 120, on: true, mode: 'warm', tags: ['a', 'b'] })
    expect(await b.page.textContent('#result h3')).toBe('Result')
    expect(await b.page.textContent('#result .result-text')).toContain('"echoed"')

    // Bad JSON in an array field is a message, not a call.
    seen = undefined
    await b.page.fill('#f-tags', '[nope')
    await b.page.click('.tool-form button[type=submit]')
    await b.page.waitForSelector('#result [role=alert]', { timeout: 5000 })
    expect(await b.page.textContent('#result [role=alert]')).toContain('tags: not valid JSON')
    expect(seen).toBeUndefined()

    await b.page.goto(`${url}/admin/tools/broken`)
    await b.page.click('.tool-form button[type=submit]')
    await b.page.waitForSelector('#result .tool-result.is-error', { timeout: 5000 })
    expect(await b.page.textContent('#result')).toContain('lamp unreachable')
    expect(b.problems).toEqual([])
  }, 20_000)
})
