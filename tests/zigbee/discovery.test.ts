import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { simDevice, light } from '../fakes/z2m-simulator'
import { startHome, until, type Home } from './home'

describe('zigbee discovery (issue #6)', () => {
  let home: Home
  beforeAll(async () => {
    home = await startHome()
  })
  afterAll(() => home?.close())

  test('devices, kinds and capabilities come from bridge/devices exposes; the coordinator is not a device', async () => {
    const { json, isError } = await home.call('home_list_devices', {})
    expect(isError).toBeUndefined()
    const byName = Object.fromEntries((json.devices as any[]).map((d) => [d.name, d]))
    expect(Object.keys(byName).sort()).toEqual(
      ['bedroom_blinds', 'bedroom_bulb', 'garage_light', 'hallway_sensor', 'kitchen_plug', 'living_room_ceiling', 'living_room_floor', 'living_room_lamp'],
    )
    expect(byName.living_room_ceiling).toMatchObject({ kind: 'light', type: 'Router', vendor: 'Philips', room: 'living_room', room_source: 'group', available: true })
    expect(byName.living_room_ceiling.can_set).toEqual(expect.arrayContaining(['state: ON|OFF|TOGGLE', 'brightness 0-254', expect.stringContaining('color_temp 153-500 mired'), expect.stringContaining('color (xy')]))
    // config-only features are not offered to the model
    expect(byName.living_room_ceiling.can_set.join()).not.toContain('power_on_behavior')
    expect(byName.living_room_floor.can_set).not.toEqual(expect.arrayContaining([expect.stringContaining('color')]))
    expect(byName.living_room_lamp.can_set).toEqual(expect.arrayContaining([expect.stringContaining('color_temp 250-454 mired')]))
    expect(byName.kitchen_plug).toMatchObject({ kind: 'switch', kinds: ['switch'] })
    expect(byName.kitchen_plug.reports).toEqual(expect.arrayContaining(['power W', 'energy kWh']))
    expect(byName.kitchen_plug.can_get).toEqual(expect.arrayContaining(['state', 'power', 'energy']))
    expect(byName.hallway_sensor).toMatchObject({ kind: 'sensor', can_set: [], room: null })
    expect(byName.hallway_sensor.reports).toEqual(expect.arrayContaining(['temperature °C', 'humidity %']))
    expect(byName.bedroom_blinds).toMatchObject({ kind: 'cover', room: 'bedroom' })
    expect(byName.bedroom_blinds.can_set).toEqual(expect.arrayContaining(['state: OPEN|CLOSE|STOP', 'position 0-100 %']))
  })

  test('groups become rooms; GET /api/v1/rooms lists them with their devices', async () => {
    const res = await home.hub.api('/api/v1/rooms')
    expect(res.status).toBe(200)
    const { rooms } = (await res.json()) as { rooms: { name: string; group: string | null; devices: string[] }[] }
    expect(rooms).toEqual([
      { name: 'bedroom', group: 'bedroom', devices: ['bedroom_blinds', 'bedroom_bulb'] },
      { name: 'living_room', group: 'living_room', devices: ['living_room_ceiling', 'living_room_floor', 'living_room_lamp'] },
    ])
  })

  test('live state by device, room and type, fresh from the broker', async () => {
    const one = await home.call('home_get_state', { device: 'hallway_sensor' })
    expect(one.json.states[0]).toMatchObject({ device: 'hallway_sensor', stale: false, available: true, state: { temperature: 21.5, humidity: 45.2 } })
    const room = await home.call('home_get_state', { room: 'living room' })
    expect((room.json.states as any[]).map((s) => s.device)).toEqual(['living_room_ceiling', 'living_room_floor', 'living_room_lamp'])
    const covers = await home.call('home_get_state', { type: 'cover' })
    expect((covers.json.states as any[]).map((s) => s.device)).toEqual(['bedroom_blinds'])
    const unknown = await home.call('home_get_state', { device: 'toaster' })
    expect(unknown.isError).toBe(true)
    expect(unknown.json.text).toContain('no device "toaster"')
  })

  test('a sensor report is stored and pushed as a device_state event', async () => {
    const seen: unknown[] = []
    const off = home.hub.services.bus.on('device_state', (e) => seen.push(e))
    await home.sim.report('hallway_sensor', { temperature: 23.25 })
    await until(() => seen.length > 0, 'device_state event')
    off()
    expect(seen[0]).toEqual({ type: 'device_state', device: 'hallway_sensor', state: expect.objectContaining({ temperature: 23.25, humidity: 45.2 }) })
    const res = await home.hub.api('/api/v1/devices/hallway_sensor')
    expect(((await res.json()) as any).state.temperature).toBe(23.25)
  })

  test('availability offline/online is tracked and emitted', async () => {
    const events: unknown[] = []
    const off = home.hub.services.bus.on('device_availability', (e) => events.push(e))
    await home.sim.setAvailability('living_room_floor', false)
    await until(() => events.length === 1, 'offline event')
    const listed = (await home.call('home_list_devices', { room: 'living_room' })).json.devices as any[]
    expect(listed.find((d) => d.name === 'living_room_floor').available).toBe(false)
    await home.sim.setAvailability('living_room_floor', true)
    await until(() => events.length === 2, 'online event')
    off()
    expect(events).toEqual([
      { type: 'device_availability', device: 'living_room_floor', available: false },
      { type: 'device_availability', device: 'living_room_floor', available: true },
    ])
  })

  test('a device joining at run time appears in home_list_devices and the tool descriptions', async () => {
    const changed: unknown[] = []
    const off = home.hub.services.bus.on('devices_changed', (e) => changed.push(e))
    await home.sim.addDevice(
      simDevice({ name: 'study_lamp', model: 'LED1836G9', vendor: 'IKEA', description: 'bulb', exposes: [light([{ type: 'binary', name: 'state', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF' }])], state: { state: 'OFF' } }),
    )
    await until(async () => ((await home.call('home_list_devices', {})).json.devices as any[]).some((d) => d.name === 'study_lamp'), 'study_lamp listed')
    off()
    expect(changed.length).toBeGreaterThan(0)
    await until(() => home.hub.services.zigbee.device('study_lamp').stale === false, 'study_lamp state')
    // a room assigned by hand wins over groups, and the tools' descriptions name the new room
    const put = await home.hub.api('/api/v1/devices/study_lamp', { method: 'PUT', body: JSON.stringify({ room: 'study' }) })
    expect(put.status).toBe(200)
    expect(((await put.json()) as any).room_source).toBe('manual')
    expect(home.hub.services.tools.get('home_list_devices')!.description).toContain('study')
    expect(home.hub.services.tools.get('smart_home_control')!.keywords).toContain('study')
  })

  test('a name with a slash works; a device that leaves disappears from the list and the rooms', async () => {
    await home.sim.addDevice(
      simDevice({ name: 'kitchen/spot', model: 'LED2002G5', vendor: 'IKEA', description: 'bulb', exposes: [light([{ type: 'numeric', name: 'brightness', property: 'brightness', access: 7, value_min: 0, value_max: 254 }])], state: { brightness: 5 } }),
      'living_room',
    )
    await until(() => home.hub.services.zigbee.list().some((d) => d.name === 'kitchen/spot') && !home.hub.services.zigbee.device('kitchen/spot').stale, 'kitchen/spot')
    expect(home.hub.services.zigbee.device('kitchen/spot').state).toEqual({ brightness: 5 })
    const mark = home.spy.mark
    const r = await home.call('home_set_state', { device: 'kitchen/spot', state: { brightness: 9 } })
    expect(r.json.confirmed[0].state).toEqual({ brightness: 9, state: 'ON' })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/kitchen/spot/set', payload: { brightness: 9 } }])
    expect(home.hub.services.zigbee.rooms().find((room) => room.name === 'living_room')!.devices).toContain('kitchen/spot')
    const detail = (await (await home.hub.api('/api/v1/devices/kitchen%2Fspot')).json()) as any
    expect(detail).toMatchObject({ name: 'kitchen/spot', device: 'kitchen/spot', kind: 'light', room: 'living_room', stale: false, state: { brightness: 9 } })

    await home.sim.removeDevice('kitchen/spot')
    await until(() => !home.hub.services.zigbee.list().some((d) => d.name === 'kitchen/spot'), 'kitchen/spot gone')
    expect(home.hub.services.zigbee.rooms().find((room) => room.name === 'living_room')!.devices).not.toContain('kitchen/spot')
    expect((await home.call('home_get_state', { device: 'kitchen/spot' })).isError).toBe(true)
    const rows = home.hub.services.db.sqlite.query("SELECT count(*) AS n FROM devices WHERE friendly_name = 'kitchen/spot'").get() as { n: number }
    expect(rows.n).toBe(0)
  })

  test('a hidden device is left out of what the model sees, but stays in the API', async () => {
    const hide = await home.hub.api('/api/v1/devices/garage_light', { method: 'PUT', body: JSON.stringify({ hidden: true }) })
    expect(hide.status).toBe(200)
    const listed = (await home.call('home_list_devices', {})).json.devices as any[]
    expect(listed.some((d) => d.name === 'garage_light')).toBe(false)
    expect((await home.call('home_get_state', { device: 'garage_light' })).isError).toBe(true)
    expect(home.hub.services.zigbee.overview()).not.toContain('garage_light')
    const api = (await (await home.hub.api('/api/v1/devices')).json()) as any
    expect(api.devices.find((d: any) => d.name === 'garage_light').hidden).toBe(true)
    await home.hub.api('/api/v1/devices/garage_light', { method: 'PUT', body: JSON.stringify({ hidden: false }) })
  })

  test('the overview names rooms, devices and kinds but no state, within its bound', () => {
    const text = home.hub.services.zigbee.overview()
    expect(text).toContain('- living_room: living_room_ceiling (light), living_room_floor (light), living_room_lamp (light)')
    expect(text).toContain('kitchen_plug (switch)')
    expect(text).not.toContain('21.5')
    expect(home.hub.services.zigbee.overview(200).length).toBeLessThanOrEqual(200)
  })

  test('health shows the broker, the bridge and the device count', async () => {
    const body = (await (await home.hub.api('/api/v1/health', { token: null })).json()) as any
    expect(body.home).toEqual({ status: 'ok', broker: 'connected', bridge: 'online', devices: expect.any(Number) })
  })

  test('REST: unknown device is a 404, bad PUT body a 400', async () => {
    expect((await home.hub.api('/api/v1/devices/nope')).status).toBe(404)
    const bad = await home.hub.api('/api/v1/devices/kitchen_plug', { method: 'PUT', body: JSON.stringify({ hidden: 'yes' }) })
    expect(bad.status).toBe(400)
  })
})
