import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { settle, startHome, type Home } from './home'

describe('zigbee control (issue #6)', () => {
  let home: Home
  beforeAll(async () => {
    home = await startHome()
  })
  afterAll(() => home?.close())

  /** Calls a tool that must be refused, and proves nothing reached the broker. */
  async function refused(name: string, args: Record<string, unknown>): Promise<string> {
    const mark = home.spy.mark
    const r = await home.call(name, args)
    expect(r.isError).toBe(true)
    await settle()
    expect(home.spy.commands(mark)).toEqual([])
    return r.json.text as string
  }

  test('out of range is refused with the allowed range, nothing published', async () => {
    expect(await refused('home_set_state', { device: 'living_room_floor', state: { brightness: 300 } })).toContain('brightness must be 0-254')
  })

  test('a wrong type is refused with the allowed values', async () => {
    expect(await refused('home_set_state', { device: 'living_room_floor', state: { state: 5 } })).toContain('state must be one of ON, OFF, TOGGLE')
    expect(await refused('home_set_state', { device: 'living_room_floor', state: { brightness: 'bright' } })).toContain('brightness must be a number 0-254')
    expect(await refused('home_set_state', { device: 'bedroom_blinds', state: { state: 'UP' } })).toContain('state must be one of OPEN, CLOSE, STOP')
  })

  test('a read-only property is refused, naming what can be set', async () => {
    const text = await refused('home_set_state', { device: 'hallway_sensor', state: { temperature: 30 } })
    expect(text).toContain('temperature is read-only on hallway_sensor')
    expect(text).toContain('nothing (read-only device)')
    expect(await refused('home_set_state', { device: 'kitchen_plug', state: { power: 100 } })).toContain('power is read-only on kitchen_plug; settable on kitchen_plug: state: ON|OFF|TOGGLE')
  })

  test('an unknown property is refused, naming what can be set', async () => {
    const text = await refused('home_set_state', { device: 'living_room_lamp', state: { colour: 'red' } })
    expect(text).toContain('living_room_lamp has no property "colour"')
    expect(text).toContain('brightness 0-254')
  })

  test('a colour the light cannot take, a bad colour name and schema errors are refused', async () => {
    expect(await refused('home_set_state', { device: 'living_room_ceiling', state: { color: { hue: 10, saturation: 5 } } })).toContain('color must be {x, y} or {hex: "#rrggbb"}')
    expect(await refused('smart_home_control', { action: 'set_lights', room: 'living_room', color: 'octarine' })).toContain('color must be a hex colour')
    expect(await refused('smart_home_control', { action: 'set_lights', room: 'living_room', brightness: 150 })).toContain('brightness')
    expect(await refused('smart_home_control', { action: 'set_lights', room: 'cellar', state: 'ON' })).toContain('no room "cellar"; rooms: bedroom, living_room')
    expect(await refused('smart_home_control', { action: 'set_lights', room: 'living_room' })).toContain('give at least one of')
  })

  test('one device: /set published, the confirmed state reported', async () => {
    const mark = home.spy.mark
    const r = await home.call('home_set_state', { device: 'kitchen_plug', state: { state: 'on' } })
    expect(r.isError).toBeUndefined()
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/kitchen_plug/set', payload: { state: 'ON' } }])
    expect(r.json.confirmed).toEqual([{ device: 'kitchen_plug', state: expect.objectContaining({ state: 'ON', power: 12.5 }) }])
    expect(r.json.unconfirmed).toEqual([])
    const rest = await home.hub.api('/api/v1/devices/kitchen_plug/set', { method: 'POST', body: JSON.stringify({ state: 'OFF' }) })
    expect(rest.status).toBe(200)
    expect(((await rest.json()) as any).confirmed[0].state.state).toBe('OFF')
    const bad = await home.hub.api('/api/v1/devices/kitchen_plug/set', { method: 'POST', body: JSON.stringify({ state: 'MAYBE' }) })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as any).error.message).toContain('state must be one of ON, OFF, TOGGLE')
  })

  test('a whole room that is a Zigbee2MQTT group gets the group topic', async () => {
    const mark = home.spy.mark
    const r = await home.call('home_set_state', { room: 'living_room', state: { state: 'ON' } })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/living_room/set', payload: { state: 'ON' } }])
    expect((r.json.confirmed as any[]).map((c) => c.device).sort()).toEqual(['living_room_ceiling', 'living_room_floor', 'living_room_lamp'])
    expect((r.json.confirmed as any[]).every((c) => c.state.state === 'ON')).toBe(true)
  })

  test('a room with mixed devices sets those that take the property and says which it skipped', async () => {
    const mark = home.spy.mark
    const r = await home.call('home_set_state', { room: 'bedroom', state: { brightness: 100 } })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/bedroom_bulb/set', payload: { brightness: 100 } }])
    expect(r.json.skipped).toEqual([{ device: 'bedroom_blinds', reason: 'cannot set brightness' }])
  })

  test('brightness percent is mapped to each light range, on the group topic when all agree', async () => {
    const mark = home.spy.mark
    const r = await home.call('smart_home_control', { action: 'set_lights', room: 'living_room', brightness: 30 })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/living_room/set', payload: { brightness: 76 } }])
    expect((r.json.confirmed as any[]).every((c) => c.state.brightness === 76)).toBe(true)
  })

  test('colour temperature in kelvin becomes mireds per light range, clamped and said so', async () => {
    const mark = home.spy.mark
    const r = await home.call('smart_home_control', { action: 'set_lights', room: 'living_room', color_temp: 2000 })
    const sent = home.spy.commands(mark)
    // 2000 K = 500 mired: the ceiling (153-500) takes it, the lamp (250-454) is clamped, the floor lamp has none
    expect(sent).toEqual(
      expect.arrayContaining([
        { topic: 'zigbee2mqtt/living_room_ceiling/set', payload: { color_temp: 500 } },
        { topic: 'zigbee2mqtt/living_room_lamp/set', payload: { color_temp: 454 } },
      ]),
    )
    expect(sent).toHaveLength(2)
    expect(r.json.notes).toEqual(expect.arrayContaining([expect.stringContaining('living_room_lamp: 2000 K is outside its range 2203-4000 K'), 'living_room_floor has no colour temperature']))
    expect(r.json.skipped).toEqual([{ device: 'living_room_floor', reason: 'living_room_floor has no colour temperature' }])
  })

  test('colour names and hex become xy, or hue/saturation for a light that prefers it', async () => {
    let mark = home.spy.mark
    await home.call('smart_home_control', { action: 'set_lights', room: 'living_room', color: 'red' })
    const ceiling = home.spy.commands(mark).find((c) => c.topic === 'zigbee2mqtt/living_room_ceiling/set')!.payload as any
    expect(ceiling.color.x).toBeCloseTo(0.7006, 2)
    expect(ceiling.color.y).toBeCloseTo(0.2993, 2)
    mark = home.spy.mark
    const r = await home.call('smart_home_control', { action: 'set_lights', room: 'bedroom', color: '#00ff00', brightness: 100, state: 'ON' })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/bedroom_bulb/set', payload: { state: 'ON', brightness: 254, color: { hue: 120, saturation: 100 } } }])
    expect(r.json.confirmed[0].state.color).toEqual({ hue: 120, saturation: 100 })
  })

  test('a device that never answers: the result says it did not confirm within the timeout', async () => {
    const mark = home.spy.mark
    const t0 = Date.now()
    const r = await home.call('home_set_state', { device: 'garage_light', state: { state: 'ON' } })
    expect(Date.now() - t0).toBeLessThan(2500)
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/garage_light/set', payload: { state: 'ON' } }])
    expect(r.isError).toBe(true)
    expect(r.json.unconfirmed).toEqual(['garage_light'])
    expect(r.json.message).toBe('garage_light did not confirm within 1000 ms')
  })

  test('refresh asks the device with /get for what it can report on demand', async () => {
    const mark = home.spy.mark
    const r = await home.call('home_get_state', { device: 'kitchen_plug', refresh: true })
    expect(home.spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/kitchen_plug/get', payload: { state: '', power: '', energy: '', voltage: '', current: '' } }])
    expect(r.json.states[0]).toMatchObject({ device: 'kitchen_plug', stale: false })
  })
})
