import { afterAll, describe, expect, test } from 'bun:test'
import { startTestHub, type TestHub } from '../helpers/hub'
import { startMosquitto } from '../helpers/mosquitto'
import { standardHome, Z2mSimulator } from '../fakes/z2m-simulator'
import { callTool, homeYaml, startHome, until, type Home } from './home'

describe('zigbee with a broker that comes and goes (issue #6)', () => {
  let home: Home
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {})
  })

  /** mosquitto, the simulator and a hub of this test's own, closed after the file. */
  async function freshHome() {
    const broker = await startMosquitto()
    cleanups.push(() => broker.close())
    const sim = new Z2mSimulator(broker.url, standardHome())
    await sim.start()
    cleanups.push(() => sim.stop())
    const hub = await startTestHub({ yaml: homeYaml(broker.url) })
    cleanups.push(() => hub.close())
    return { broker, sim, hub }
  }

  test('broker stops: tools answer quickly that it is unreachable, reads are served stale, other endpoints work; it comes back by itself', async () => {
    home = await startHome()
    cleanups.push(() => home.close())
    await home.broker.stop()
    await until(() => home.hub.services.zigbee.status().broker === 'down', 'link down')

    const t0 = Date.now()
    const set = await home.call('smart_home_control', { action: 'set_lights', room: 'living_room', state: 'OFF' })
    expect(Date.now() - t0).toBeLessThan(200)
    expect(set.isError).toBe(true)
    expect(set.json.text).toContain('MQTT broker is unreachable')

    const got = await home.call('home_get_state', { device: 'hallway_sensor' })
    expect(got.isError).toBeUndefined()
    expect(got.json.broker).toBe('down')
    expect(got.json.states[0]).toMatchObject({ stale: true, state: { temperature: 21.5 } })

    const health = (await (await home.hub.api('/api/v1/health', { token: null })).json()) as any
    expect(health.status).toBe('degraded')
    expect(health.database.status).toBe('ok')
    expect(health.home).toMatchObject({ status: 'down', broker: 'down' })
    expect((await home.hub.api('/api/v1/info')).status).toBe(200)
    expect((await home.hub.api('/api/v1/devices')).status).toBe(200)

    await home.broker.start()
    await until(() => home.hub.services.zigbee.status().broker === 'connected', 'reconnected', 10_000)
    // the simulator republishes its retained topics to the fresh broker; state flows again
    await until(() => !home.hub.services.zigbee.device('hallway_sensor').stale, 'fresh state', 5000)
    const mark = home.spy.mark
    const again = await home.call('home_set_state', { device: 'kitchen_plug', state: { state: 'ON' } })
    expect(again.isError).toBeUndefined()
    expect(again.json.confirmed[0].state.state).toBe('ON')
    await until(() => home.spy.commands(mark).length > 0, 'spy saw the command')
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/kitchen_plug/set', payload: { state: 'ON' } }])
  }, 20_000)

  test('a hub restarted while the broker is down serves the last known state, marked stale', async () => {
    const broker = await startMosquitto()
    cleanups.push(() => broker.close())
    const sim = new Z2mSimulator(broker.url, standardHome())
    await sim.start()
    cleanups.push(() => sim.stop())
    let hub: TestHub = await startTestHub({ yaml: homeYaml(broker.url) })
    const dir = hub.dir
    await until(() => hub.services.zigbee.list().length === 8 && hub.services.zigbee.states({}).every((s) => !s.stale), 'discovery')
    expect((await callTool(hub, 'home_set_state', { device: 'kitchen_plug', state: { state: 'ON' } })).json.confirmed).toHaveLength(1)
    await hub.api('/api/v1/devices/hallway_sensor', { method: 'PUT', body: JSON.stringify({ room: 'hallway' }) })
    await hub.stop()
    await broker.stop()

    // same data dir, broker still down
    const { startHub } = await import('../../src/hub')
    const { join } = await import('node:path')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'hearth.yaml'), homeYaml(broker.url))
    const t0 = Date.now()
    const again = await startHub({ configPath: join(dir, 'hearth.yaml'), dataDir: join(dir, 'data'), env: { HEARTH_ADMIN_TOKEN: 'hth_test_admin_token_0123456789abcdef' }, host: '127.0.0.1', port: 0, logSink: () => {}, print: () => {} })
    expect(Date.now() - t0).toBeLessThan(1000)
    hub = { ...hub, ...again }
    cleanups.push(() => again.stop())
    const plug = await callTool(hub, 'home_get_state', { device: 'kitchen_plug' })
    expect(plug.json.states[0]).toMatchObject({ device: 'kitchen_plug', stale: true, state: { state: 'ON', power: 12.5 } })
    const list = await callTool(hub, 'home_list_devices', {})
    expect((list.json.devices as any[]).find((d) => d.name === 'hallway_sensor').room).toBe('hallway')
    expect((list.json.devices as any[]).find((d) => d.name === 'living_room_lamp').room).toBe('living_room')
    const set = await callTool(hub, 'home_set_state', { device: 'kitchen_plug', state: { state: 'OFF' } })
    expect(set.json.text).toContain('MQTT broker is unreachable')
  }, 20_000)

  test('a flooding sensor: every value is emitted, writes are throttled, the last value lands', async () => {
    const { sim, hub } = await freshHome()
    await until(() => hub.services.zigbee.list().length === 8 && !hub.services.zigbee.device('hallway_sensor').stale, 'discovery')
    const seen: number[] = []
    hub.services.bus.on('device_state', (e) => e.device === 'hallway_sensor' && seen.push(e.state.temperature as number))
    const writesBefore = hub.services.zigbee.stats().state_writes as number
    for (let i = 0; i < 100; i++) await sim.report('hallway_sensor', { temperature: 10 + i / 10 })
    await until(() => seen.at(-1) === 19.9, 'all reports')
    expect(seen.length).toBe(100)
    await Bun.sleep(300)
    const writes = (hub.services.zigbee.stats().state_writes as number) - writesBefore
    expect(writes).toBeLessThan(10)
    const row = hub.services.db.sqlite.query("SELECT state FROM devices WHERE friendly_name = 'hallway_sensor'").get() as { state: string }
    expect(JSON.parse(row.state).temperature).toBe(19.9)
  }, 20_000)

  test('bad payloads on the bridge and device topics are logged and ignored', async () => {
    const { sim, hub } = await freshHome()
    await until(() => hub.services.zigbee.list().length === 8, 'discovery')
    await sim.pub('bridge/devices', 'not json')
    await sim.pub('bridge/groups', { not: 'a list' })
    await sim.pub('bridge/event', { type: 'device_joined' })
    await sim.pub('hallway_sensor', '[1,2,3]')
    await sim.pub('hallway_sensor/availability', 'maybe')
    await sim.pub('bridge/devices', [{ friendly_name: 'broken' }, ...[...sim.devices.values()].map((d) => d.device)])
    await until(() => hub.logs.filter((l) => l.includes('ignored')).length >= 6, 'warnings')
    expect(hub.services.zigbee.list().length).toBe(8)
    expect(hub.services.zigbee.rooms().map((r) => r.name)).toEqual(['bedroom', 'living_room'])
    expect(hub.logs.some((l) => l.includes('"devices":["broken"]'))).toBe(true)
    const ok = await callTool(hub, 'home_set_state', { device: 'kitchen_plug', state: { state: 'ON' } })
    expect(ok.json.text ?? ok.json.message).toBe('1 device confirmed')
  }, 20_000)

  test('Zigbee2MQTT dies (last will): health is degraded and commands are refused, nothing published', async () => {
    const broker = await startMosquitto()
    cleanups.push(() => broker.close())
    const sim = new Z2mSimulator(broker.url, standardHome())
    await sim.start()
    const hub = await startTestHub({ yaml: homeYaml(broker.url) })
    cleanups.push(() => hub.close())
    await until(() => hub.services.zigbee.status().bridge === 'online' && hub.services.zigbee.list().length === 8, 'discovery')
    await sim.crash()
    await until(() => hub.services.zigbee.status().bridge === 'offline', 'bridge offline (LWT)')
    const body = (await (await hub.api('/api/v1/health', { token: null })).json()) as any
    expect(body.home).toMatchObject({ status: 'degraded', broker: 'connected', bridge: 'offline' })
    const r = await callTool(hub, 'smart_home_control', { action: 'set_lights', room: 'living_room', state: 'ON' })
    expect(r.isError).toBe(true)
    expect(r.json.text).toContain('Zigbee2MQTT is offline')
    expect((await callTool(hub, 'home_get_state', { device: 'hallway_sensor' })).json.states[0]).toMatchObject({ stale: true, state: { temperature: 21.5 } })
  }, 20_000)

  test('home settings changed at run time: the hub connects without a restart', async () => {
    const broker = await startMosquitto()
    cleanups.push(() => broker.close())
    const sim = new Z2mSimulator(broker.url, standardHome())
    await sim.start()
    cleanups.push(() => sim.stop())
    const hub = await startTestHub()
    cleanups.push(() => hub.close())
    expect(hub.services.zigbee.health()).toEqual({ status: 'disabled' })
    expect(hub.services.tools.has('smart_home_control')).toBe(false)
    const res = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'home.mqtt_url': broker.url } }) })
    expect(res.status).toBe(200)
    await until(() => hub.services.zigbee.list().length === 8, 'discovery after config change')
    expect(hub.services.tools.has('smart_home_control')).toBe(true)
    await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'home.enabled': false } }) })
    await until(() => hub.services.zigbee.health().status === 'disabled', 'switched off')
    expect(hub.services.tools.has('smart_home_control')).toBe(false)
  }, 20_000)

  test('a broker with passwords: the configured user connects, a wrong password stays down without leaking it', async () => {
    const broker = await startMosquitto({ users: { z2m: 'z2m-secret', hearth: 'hearth-secret-42' } })
    cleanups.push(() => broker.close())
    const sim = new Z2mSimulator(broker.url, standardHome(), 'zigbee2mqtt', { username: 'z2m', password: 'z2m-secret' })
    await sim.start()
    cleanups.push(() => sim.stop())
    const good = await startTestHub({ yaml: homeYaml(broker.url, '  username: hearth\n  password: hearth-secret-42\n  client_id: hearth-test\n') })
    cleanups.push(() => good.close())
    await until(() => good.services.zigbee.list().length === 8, 'discovery with a password')

    const bad = await startTestHub({ yaml: homeYaml(broker.url, '  username: hearth\n  password: wrong-password-99\n') })
    cleanups.push(() => bad.close())
    await until(() => bad.services.zigbee.status().broker === 'down', 'refused')
    const r = await callTool(bad, 'home_set_state', { device: 'kitchen_plug', state: { state: 'ON' } })
    expect(r.isError).toBe(true)
    expect(r.json.text).toContain('unreachable')
    expect(bad.logs.join('\n')).not.toContain('wrong-password-99')
    expect(bad.logs.some((l) => l.includes('mqtt down') && /Not authori[sz]ed|Bad user name or password/i.test(l))).toBe(true)
  }, 20_000)

  test('a broker URL that is not one: the hub starts anyway and health says why', async () => {
    const hub = await startTestHub({ yaml: 'home:\n  mqtt_url: "localhost:1883"\n' })
    cleanups.push(() => hub.close())
    const body = (await (await hub.api('/api/v1/health', { token: null })).json()) as any
    expect(body.home).toMatchObject({ status: 'down', broker: 'down', error: expect.stringContaining('home.mqtt_url must be mqtt://') })
    expect((await callTool(hub, 'home_list_devices', {})).json.devices).toEqual([])
  })

  test('home off (no mqtt_url): health says disabled and no home tools are registered', async () => {
    const hub = await startTestHub({ yaml: 'home:\n  enabled: true\n' })
    cleanups.push(() => hub.close())
    const body = (await (await hub.api('/api/v1/health', { token: null })).json()) as any
    expect(body.home).toEqual({ status: 'disabled' })
    expect(hub.services.tools.has('home_list_devices')).toBe(false)
    const set = await hub.api('/api/v1/devices/x/set', { method: 'POST', body: '{"state":"ON"}' })
    expect(set.status).toBe(503)
  })
})
