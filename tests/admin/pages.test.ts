import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { html, raw } from '../../src/admin/html'
import { logLine } from '../../src/admin/pages/logs'
import { parseSetting } from '../../src/admin/pages/settings'
import { readArgs, schemaFields } from '../../src/admin/schema-form'
import { BadRequest } from '../../src/core/errors'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

describe('html template escaping', () => {
  test('every interpolated value is escaped, in text and in attributes', () => {
    const evil = `"><script>alert('x')</script>&`
    const out = html`<a title="${evil}">${evil}</a>`.value
    expect(out).toBe('<a title="&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;">&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;</a>')
    expect(out).not.toContain('<script>')
  })

  test('nested templates and raw markup are not escaped twice; arrays join; nothing-values vanish', () => {
    const items = ['<a>', 'b&']
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value).toBe('<ul><li>&#60;a&#62;</li><li>b&#38;</li></ul>')
    expect(html`${raw('<br>')}${null}${undefined}${false}${0}`.value).toBe('<br>0')
  })

  test('a log line is shown as text, however it looks', () => {
    expect(logLine('{"level":"warn","msg":"<img src=x onerror=alert(1)>"}')).toBe(
      '<div class="log-line level-warn">{&#34;level&#34;:&#34;warn&#34;,&#34;msg&#34;:&#34;&#60;img src=x onerror=alert(1)&#62;&#34;}</div>',
    )
  })

  test('schema fields escape descriptions and defaults; the form reads back typed arguments', () => {
    const schema = {
      type: 'object',
      properties: {
        s: { type: 'string', description: '<b>bold</b>', default: '"q"' },
        n: { type: 'number' },
        i: { type: 'integer' },
        ok: { type: 'boolean' },
        e: { enum: ['a', 1] },
        list: { type: 'array' },
        obj: { type: 'object' },
        nullable: { type: ['string', 'null'] },
        role: { anyOf: [{ const: 'user', type: 'string' }, { const: 'assistant', type: 'string' }] },
        maybe: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      },
      required: ['s'],
    }
    const markup = schemaFields(schema).value
    expect(markup).toContain('&#60;b&#62;bold&#60;/b&#62;')
    expect(markup).toContain('value="&#34;q&#34;"')
    expect(markup).toContain('<input id="f-n" type="number" name="a:n" step="any"')
    expect(markup).toContain('<textarea id="f-list"')
    expect(markup).toContain('<option value="&#34;assistant&#34;">assistant</option>')
    expect(markup).toContain('<input id="f-maybe" type="number" name="a:maybe" step="1"')
    expect(
      readArgs(schema, { 'a:s': 'x', 'a:n': '1.5', 'a:i': '3', 'a:ok': 'false', 'a:e': '1', 'a:list': '[1,"2"]', 'a:obj': '{"k":true}', 'a:nullable': 'v', 'a:role': '"user"', 'a:maybe': '7', _csrf: 'c' }),
    ).toEqual({ s: 'x', n: 1.5, i: 3, ok: false, e: 1, list: [1, '2'], obj: { k: true }, nullable: 'v', role: 'user', maybe: 7 })
    expect(readArgs(schema, { 'a:s': '', 'a:n': '' })).toEqual({})
    expect(() => readArgs(schema, { 'a:n': 'abc' })).toThrow(BadRequest)
    expect(() => readArgs(schema, { 'a:obj': '{' })).toThrow('obj: not valid JSON')
    expect(schemaFields({ type: 'object' }).value).toContain('takes no arguments')
  })

  test('a setting keeps strings as typed and parses everything else as JSON', () => {
    expect(parseSetting('8080', 'x')).toBe('8080')
    expect(parseSetting('8080', 1)).toBe(8080)
    expect(parseSetting('[1,2]', [])).toEqual([1, 2])
    expect(parseSetting('true', false)).toBe(true)
    expect(parseSetting('not json', 3)).toBe('not json')
  })
})

describe('panel pages over plain HTTP', () => {
  let hub: TestHub
  let cookie = ''
  let csrf = ''
  beforeAll(async () => {
    hub = await startTestHub()
    const login = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual' })
    cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const page = await (await fetch(`${hub.url}/admin`, { headers: { cookie } })).text()
    csrf = /name="csrf-token" content="([^"]+)"/.exec(page)![1]!
  })
  afterAll(() => hub?.close())

  const get = (path: string, htmx: boolean) =>
    fetch(hub.url + path, { headers: { cookie, ...(htmx ? { 'hx-request': 'true' } : {}) }, redirect: 'manual' })

  test('each page is a whole document on a normal GET and only its content for htmx', async () => {
    for (const path of ['/admin', '/admin/chat', '/admin/providers', '/admin/conversations', '/admin/tools', '/admin/mcp', '/admin/devices', '/admin/tokens', '/admin/settings', '/admin/logs']) {
      const full = await get(path, false)
      expect({ path, status: full.status, type: full.headers.get('content-type') }).toEqual({ path, status: 200, type: 'text/html; charset=utf-8' })
      const doc = await full.text()
      expect(doc).toStartWith('<!doctype html>')
      expect(doc).toContain('<meta name="csrf-token"')
      expect(doc).not.toMatch(/<script>|<style|style="| on[a-z]+="/i)
      const part = await (await get(path, true)).text()
      expect(part).not.toContain('<html')
      expect(part).toContain('<h1>')
    }
  })

  test('a page needs the session: without it the browser is sent to the login page', async () => {
    const res = await fetch(`${hub.url}/admin/settings`, { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/login')
  })

  test('an htmx request with an expired session moves the whole page to the login form', async () => {
    const read = await fetch(`${hub.url}/admin/settings`, { headers: { 'hx-request': 'true' }, redirect: 'manual' })
    expect(read.status).toBe(401)
    expect(read.headers.get('hx-redirect')).toBe('/admin/login')
    const write = await fetch(`${hub.url}/admin/settings/reset`, { method: 'POST', headers: { 'hx-request': 'true', cookie: 'hearth_session=expired' } })
    expect(write.headers.get('hx-redirect')).toBe('/admin/login')
    expect(await write.text()).toBe('')
  })

  test('features not in this build show a not-available card', async () => {
    const pages: [string, string][] = [['/admin/mcp', 'aggregator'], ['/admin/devices', 'zigbee'], ['/admin/chat', 'chat']]
    for (const [path, feature] of pages) {
      const text = await (await get(path, true)).text()
      if (feature in hub.services) expect(text).not.toContain('Not available')
      else expect(text).toContain('Not available')
    }
  })

  test('a panel write without the CSRF token is refused; with it, it happens', async () => {
    const body = new URLSearchParams({ key: 'auth.requests_per_minute', value: '650' })
    const refused = await fetch(`${hub.url}/admin/settings/set`, { method: 'POST', headers: { cookie, 'hx-request': 'true' }, body })
    expect(refused.status).toBe(403)
    expect(hub.services.config.current.auth.requests_per_minute).toBe(600)
    const ok = await fetch(`${hub.url}/admin/settings/set`, { method: 'POST', headers: { cookie, 'hx-request': 'true', 'x-csrf-token': csrf }, body })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('source-override')
    expect(hub.services.config.current.auth.requests_per_minute).toBe(650)
    // A plain form may carry it as a field instead.
    body.set('_csrf', csrf)
    body.set('value', '640')
    expect((await fetch(`${hub.url}/admin/settings/set`, { method: 'POST', headers: { cookie }, body })).status).toBe(200)
    expect(hub.services.config.current.auth.requests_per_minute).toBe(640)
  })

  test('a masked secret saved empty stays as it was; a new value replaces it and stays masked', async () => {
    const post = (value: string) =>
      fetch(`${hub.url}/admin/settings/set`, { method: 'POST', headers: { cookie, 'hx-request': 'true', 'x-csrf-token': csrf }, body: new URLSearchParams({ key: 'home.password', value }) })
    expect((await post('first-secret-value')).status).toBe(200)
    const kept = await (await post('')).text()
    expect(kept).toContain('Unchanged.')
    expect(hub.services.config.current.home.password).toBe('first-secret-value')
    const replaced = await (await post('second-secret-value')).text()
    expect(hub.services.config.current.home.password).toBe('second-secret-value')
    expect(replaced).not.toContain('second-secret-value')
    const page = await (await get('/admin/settings', false)).text()
    expect(page).not.toContain('second-secret-value')
  })

  test('the log stream without an event-stream Accept answers the recent lines once, escaped', async () => {
    hub.services.log.info('<i>hello</i>')
    const res = await get('/admin/logs/stream', true)
    const text = await res.text()
    expect(text).toContain('&#60;i&#62;hello&#60;/i&#62;')
    expect(text).not.toContain('<i>')
  })

  test('the SSE log stream sends the backlog, then live lines, until the client leaves', async () => {
    const ac = new AbortController()
    const res = await fetch(`${hub.url}/admin/logs/stream`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let seen = ''
    const until = async (needle: string) => {
      for (let i = 0; i < 50 && !seen.includes(needle); i++) seen += decoder.decode((await reader.read()).value ?? new Uint8Array())
      return seen.includes(needle)
    }
    expect(await until('admin session opened')).toBe(true)
    hub.services.log.warn('live-marker-42')
    expect(await until('live-marker-42')).toBe(true)
    expect(seen).toMatch(/^data: <div class="log-line/)
    ac.abort()
  })
})
