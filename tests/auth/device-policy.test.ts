import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestHub, type TestHub } from '../helpers/hub'

/** Devices are read by displays holding a chat token; setting one is a tool call. */
describe('device routes by scope', () => {
  let hub: TestHub
  let chat: string
  let tools: string
  beforeAll(async () => {
    hub = await startTestHub()
    const make = async (name: string, scopes: string[]) =>
      ((await (await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name, scopes }) })).json()) as { token: string }).token
    chat = await make('kitchen', ['chat'])
    tools = await make('script', ['tools:call'])
  })
  afterAll(() => hub.close())

  test('a chat token reads devices and rooms', async () => {
    for (const path of ['/api/v1/devices', '/api/v1/rooms']) {
      const res = await hub.api(path, { token: chat })
      expect([401, 403]).not.toContain(res.status)
    }
  })

  test('setting a device needs tools:call, not chat', async () => {
    const body = JSON.stringify({ state: 'ON' })
    expect((await hub.api('/api/v1/devices/lamp/set', { method: 'POST', body, token: chat })).status).toBe(403)
    expect([401, 403]).not.toContain((await hub.api('/api/v1/devices/lamp/set', { method: 'POST', body, token: tools })).status)
  })

  test('changing a device (room, hidden) stays admin-only', async () => {
    const res = await hub.api('/api/v1/devices/lamp', { method: 'PUT', body: JSON.stringify({ hidden: true }), token: tools })
    expect(res.status).toBe(403)
  })
})
