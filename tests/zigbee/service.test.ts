import { afterEach, describe, expect, test } from 'bun:test'
import { resolveConfig } from '../../src/core/config'
import { EventBus } from '../../src/core/events'
import { createLogger } from '../../src/core/log'
import { openDatabase, type DbHandle } from '../../src/db/client'
import { Registry } from '../../src/mcp/registry'
import { ZigbeeService } from '../../src/zigbee/service'
import { standardHome } from '../fakes/z2m-simulator'
import { MemoryLink } from './memory-link'

const home = standardHome()
const ctx = { signal: new AbortController().signal, actor: 'test', surface: 'rest' as const }

type Rig = { svc: ZigbeeService; link: MemoryLink; db: DbHandle; tools: Registry; logs: string[] }
const rigs: Rig[] = []
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.svc.stop()
    r.db.close()
  }
})

async function rig(db = openDatabase(':memory:'), throttle = 250): Promise<Rig> {
  const link = new MemoryLink()
  const logs: string[] = []
  const tools = new Registry()
  const config = resolveConfig({ home: { mqtt_url: 'mqtt://memory', confirm_timeout_ms: 100 } })
  const svc = new ZigbeeService({ config: () => config.home, db: db.db, bus: new EventBus(), log: createLogger({ sink: (l) => logs.push(l) }), tools, link: () => link, writeThrottleMs: throttle })
  await svc.start()
  const r = { svc, link, db, tools, logs }
  rigs.push(r)
  return r
}

function online(r: Rig): void {
  r.link.setStatus('connected')
  r.link.deliver('zigbee2mqtt/bridge/state', { state: 'online' })
  r.link.deliver('zigbee2mqtt/bridge/devices', home.devices.map((d) => d.device))
  r.link.deliver('zigbee2mqtt/bridge/groups', home.groups)
  for (const d of home.devices) r.link.deliver(`zigbee2mqtt/${d.device.friendly_name}`, d.state)
}

describe('zigbee service on an in-memory link (issue #6)', () => {
  test('subscribes to the bridge topics and to each device state and availability', async () => {
    const r = await rig()
    online(r)
    await Bun.sleep(0)
    expect(r.link.subscriptions).toContain('zigbee2mqtt/bridge/devices')
    expect(r.link.subscriptions).toContain('zigbee2mqtt/bridge/event')
    expect(r.link.subscriptions).toContain('zigbee2mqtt/kitchen_plug')
    expect(r.link.subscriptions).toContain('zigbee2mqtt/kitchen_plug/availability')
    expect(r.link.subscriptions.size).toBe(4 + 2 * home.devices.length)
    // a device leaving takes its topics with it
    r.link.deliver('zigbee2mqtt/bridge/devices', home.devices.filter((d) => d.device.friendly_name !== 'kitchen_plug').map((d) => d.device))
    await Bun.sleep(0)
    expect(r.link.subscriptions).not.toContain('zigbee2mqtt/kitchen_plug')
  })

  test('a link that dies during the publish: a tool error, no crash, nothing half-done reported as confirmed', async () => {
    const r = await rig()
    online(r)
    r.link.failPublish = true
    const res = await r.tools.call('home_set_state', { device: 'kitchen_plug', state: { state: 'ON' } }, ctx)
    expect(res.isError).toBe(true)
    expect((res.content[0] as { text: string }).text).toBe('the MQTT broker is unreachable: socket closed')
  })

  test('1.x plain-text availability is understood; garbage is logged and ignored', async () => {
    const r = await rig()
    online(r)
    r.link.deliver('zigbee2mqtt/hallway_sensor/availability', 'offline')
    expect(r.svc.device('hallway_sensor').available).toBe(false)
    r.link.deliver('zigbee2mqtt/hallway_sensor/availability', '{"state":true}')
    expect(r.svc.device('hallway_sensor').available).toBe(false)
    expect(r.logs.some((l) => l.includes('ignored a bad payload') && l.includes('hallway_sensor/availability'))).toBe(true)
  })

  test('stop() lands a throttled write; a restart with the link down serves it stale', async () => {
    const db = openDatabase(':memory:')
    const first = await rig(db, 60_000)
    online(first)
    first.link.deliver('zigbee2mqtt/hallway_sensor', { temperature: 30.5 })
    await first.svc.stop()
    const second = await rig(db)
    second.link.setStatus('down')
    expect(second.svc.device('hallway_sensor')).toMatchObject({ stale: true, state: { temperature: 30.5, humidity: 45.2 } })
    expect(second.svc.rooms().map((room) => room.name)).toEqual(['bedroom', 'living_room'])
  })
})
