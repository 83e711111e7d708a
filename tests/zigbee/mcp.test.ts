import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { ADMIN_TOKEN } from '../helpers/hub'
import { mcpClient } from '../helpers/mcp'
import { settle, startHome, until, type Home } from './home'

let home: Home
let mcp: Awaited<ReturnType<typeof mcpClient>>
beforeAll(async () => {
  home = await startHome()
  mcp = await mcpClient(home.hub.url, ADMIN_TOKEN)
})
afterAll(async () => {
  await mcp?.client.close().catch(() => {})
  await home?.close()
})

const text = (r: Record<string, unknown>) => (r.content as { type: string; text: string }[])[0]!.text

test('an MCP client sees the four home tools with their annotations and controls the home (issue #6)', async () => {
  const { tools } = await mcp.client.listTools()
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
  expect(byName.home_list_devices!.annotations).toMatchObject({ readOnlyHint: true })
  expect(byName.home_get_state!.annotations).toMatchObject({ readOnlyHint: true })
  expect(byName.home_set_state!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true })
  expect(byName.smart_home_control!.annotations).toMatchObject({ destructiveHint: false, idempotentHint: true })
  expect(byName.smart_home_control!.description).toContain('Rooms: bedroom, living_room')

  const mark = home.spy.mark
  const r = await mcp.client.callTool({ name: 'smart_home_control', arguments: { action: 'set_lights', room: 'bedroom', brightness: 50, color_temp: 2700 } })
  expect(r.isError).toBeFalsy()
  expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/bedroom_bulb/set', payload: { brightness: 127, color_temp: 370 } }])
  expect((r.structuredContent as any).confirmed[0]).toMatchObject({ device: 'bedroom_bulb', state: { brightness: 127, color_temp: 370 } })
})

test('over MCP a refused value is a tool error naming what is allowed, and nothing is published', async () => {
  const mark = home.spy.mark
  const r = await mcp.client.callTool({ name: 'home_set_state', arguments: { device: 'bedroom_blinds', state: { position: 150 } } })
  expect(r.isError).toBe(true)
  expect(text(r)).toContain('position must be 0-100 %')
  await settle()
  expect(home.spy.commands(mark)).toEqual([])
})

test('a room assigned by hand changes the tool descriptions: MCP clients get list_changed', async () => {
  let changed = 0
  mcp.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++)
  await home.hub.api('/api/v1/devices/kitchen_plug', { method: 'PUT', body: JSON.stringify({ room: 'kitchen' }) })
  await until(() => changed > 0, 'list_changed')
  const { tools } = await mcp.client.listTools()
  expect(tools.find((t) => t.name === 'home_set_state')!.description).toContain('Rooms: bedroom, kitchen, living_room')
})
