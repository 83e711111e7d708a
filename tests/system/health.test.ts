import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestHub, type TestHub } from '../helpers/hub'

describe('health and info', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub()
  })
  afterAll(() => hub.close())

  test('health answers without a token, with the database entry', async () => {
    const res = await hub.api('/api/v1/health', { token: null })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; database: { status: string }; version: string }
    expect(body.status).toBe('ok')
    expect(body.database.status).toBe('ok')
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  test('info needs a token; errors have one shape', async () => {
    const res = await hub.api('/api/v1/info', { token: null })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } })
    const ok = await hub.api('/api/v1/info')
    expect(((await ok.json()) as { name: string }).name).toBe('hearth')
  })

  test('parts register their own entries; a non-critical failure degrades, a critical one is a 503', async () => {
    const offMqtt = hub.services.health.register('mqtt', () => ({ status: 'down', error: 'broker unreachable' }))
    const degraded = await hub.api('/api/v1/health', { token: null })
    expect(degraded.status).toBe(200)
    expect(await degraded.json()).toMatchObject({ status: 'degraded', mqtt: { status: 'down', error: 'broker unreachable' } })
    const offDisk = hub.services.health.register('disk', () => ({ status: 'down' }), { critical: true })
    const down = await hub.api('/api/v1/health', { token: null })
    expect(down.status).toBe(503)
    expect(((await down.json()) as { status: string }).status).toBe('down')
    offMqtt()
    offDisk()
    expect(((await (await hub.api('/api/v1/health', { token: null })).json()) as { status: string }).status).toBe('ok')
  })

  test('stats report memory and uptime; info names the runtime', async () => {
    const stats = (await (await hub.api('/api/v1/stats')).json()) as { uptime_s: number; memory: { rss: number } }
    expect(stats.memory.rss).toBeGreaterThan(0)
    expect(stats.uptime_s).toBeGreaterThanOrEqual(0)
    const info = (await (await hub.api('/api/v1/info')).json()) as { runtime: string; platform: string }
    expect(info.runtime).toStartWith('bun ')
    expect(info.platform).toBe(`${process.platform}-${process.arch}`)
  })

  test('the placeholder admin page and the embedded assets are served', async () => {
    const page = await hub.api('/admin')
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('/assets/htmx.min.js')
    const htmx = await hub.api('/assets/htmx.min.js', { token: null })
    expect(htmx.status).toBe(200)
    expect(htmx.headers.get('content-type')).toContain('javascript')
    expect((await htmx.text()).length).toBeGreaterThan(10_000)
    expect((await hub.api('/assets/app.css', { token: null })).status).toBe(200)
    expect((await hub.api('/assets/nope.js', { token: null })).status).toBe(404)
  })

  test('unknown route is a JSON 404', async () => {
    const res = await hub.api('/api/v1/nope')
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})
