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

  test('unknown route is a JSON 404', async () => {
    const res = await hub.api('/api/v1/nope')
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})
