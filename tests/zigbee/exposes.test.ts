import { describe, expect, test } from 'bun:test'
import { ValidationFailed } from '../../src/core/errors'
import { kelvinToMired, parseColour, rgbToHs, rgbToXy } from '../../src/zigbee/color'
import { capabilitySummary, deriveModel } from '../../src/zigbee/exposes'
import { planLight } from '../../src/zigbee/lights'
import { brokerAddress } from '../../src/zigbee/link'
import { classifyTopic, parseDevices, parseEvent, parseOnline, parseState } from '../../src/zigbee/topics'
import { validateCommand } from '../../src/zigbee/validate'
import type { Z2mExpose } from '../../src/zigbee/topics'

/** Exposes as Zigbee2MQTT documents them (zigbee2mqtt.io "Exposes"). */
const doubleSwitch: Z2mExpose[] = [
  { type: 'switch', endpoint: 'l1', features: [{ type: 'binary', name: 'state', property: 'state_l1', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE', endpoint: 'l1' }] },
  { type: 'switch', endpoint: 'l2', features: [{ type: 'binary', name: 'state', property: 'state_l2', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE', endpoint: 'l2' }] },
]
const thermostat: Z2mExpose[] = [
  {
    type: 'climate',
    features: [
      { type: 'numeric', name: 'occupied_heating_setpoint', property: 'occupied_heating_setpoint', value_min: 7, value_max: 30, value_step: 0.5, access: 7, unit: '°C' },
      { type: 'numeric', name: 'local_temperature', property: 'local_temperature', access: 5, unit: '°C' },
      { type: 'enum', name: 'system_mode', property: 'system_mode', values: ['off', 'auto', 'heat'], access: 7 },
      { type: 'enum', name: 'running_state', property: 'running_state', values: ['idle', 'heat'], access: 5 },
    ],
  },
  { type: 'lock', features: [{ type: 'binary', name: 'state', property: 'child_lock', value_on: 'LOCK', value_off: 'UNLOCK', access: 2 }] },
  {
    type: 'list', name: 'schedule', property: 'schedule', access: 3, length_min: 1, length_max: 2,
    item_type: { type: 'numeric', name: 'temperature', access: 3 },
  },
  { type: 'text', name: 'note', property: 'note', access: 2 },
]
// An older composite with no access of its own: access comes from its features.
const oldLight: Z2mExpose[] = [
  {
    type: 'light',
    features: [
      { type: 'binary', name: 'state', property: 'state', value_on: 'ON', value_off: 'OFF', access: 7 },
      { type: 'composite', name: 'color_xy', property: 'color', features: [{ type: 'numeric', name: 'x', property: 'x', access: 7 }, { type: 'numeric', name: 'y', property: 'y', access: 7 }] },
    ],
  },
]

const refusal = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailed)
    return (err as Error).message
  }
  throw new Error('expected a refusal')
}

describe('exposes → device model (issue #6)', () => {
  test('endpoint features keep their own property; kinds come from the specific types', () => {
    const m = deriveModel(doubleSwitch)
    expect(m.kind).toBe('switch')
    expect([...m.settable.keys()]).toEqual(['state_l1', 'state_l2'])
    expect(m.settable.get('state_l2')![0]!.endpoint).toBe('l2')
    expect(validateCommand({ name: 'sw', model: m }, { state_l2: 'toggle' })).toEqual({ state_l2: 'TOGGLE' })
  })

  test('climate, lock, list and text: what is set, read and reported', () => {
    const m = deriveModel(thermostat)
    expect(m.kind).toBe('climate')
    expect(m.kinds).toEqual(['climate', 'lock'])
    const s = capabilitySummary(m)
    expect(s.can_set).toEqual(['occupied_heating_setpoint 7-30 °C', 'system_mode: off|auto|heat', 'child_lock: LOCK|UNLOCK', 'schedule: list', 'note: text'])
    expect(s.reports).toEqual(['local_temperature °C', 'running_state'])
    expect(s.can_get).toEqual(['occupied_heating_setpoint', 'local_temperature', 'system_mode', 'running_state'])
    const t = { name: 'trv', model: m }
    expect(refusal(() => validateCommand(t, { occupied_heating_setpoint: 21.3 }))).toContain('occupied_heating_setpoint must be in steps of 0.5')
    expect(validateCommand(t, { occupied_heating_setpoint: 21.5, system_mode: 'HEAT' })).toEqual({ occupied_heating_setpoint: 21.5, system_mode: 'heat' })
    expect(refusal(() => validateCommand(t, { system_mode: 'cool' }))).toContain('system_mode must be one of off, auto, heat')
    expect(refusal(() => validateCommand(t, { schedule: [1, 2, 3] }))).toContain('schedule takes at most 2 entries')
    expect(refusal(() => validateCommand(t, { note: 5 }))).toContain('note must be text')
    expect(refusal(() => validateCommand(t, { running_state: 'heat' }))).toContain('running_state is read-only on trv')
    expect(refusal(() => validateCommand(t, {}))).toContain('nothing to set on trv')
  })

  test('a composite without access takes it from its features; colour values are bounded by the colour space', () => {
    const m = deriveModel(oldLight)
    const l = { name: 'bulb', model: m }
    expect(validateCommand(l, { color: { x: 0.3, y: 0.3 } })).toEqual({ color: { x: 0.3, y: 0.3 } })
    expect(validateCommand(l, { color: { hex: '#ff0000' } })).toEqual({ color: { hex: '#ff0000' } })
    expect(refusal(() => validateCommand(l, { color: { x: 1.5, y: 0.3 } }))).toContain('color.x must be 0-1')
    expect(refusal(() => validateCommand(l, { color: { x: 0.3 } }))).toContain('color needs both x and y')
    expect(refusal(() => validateCommand(l, { color: 'red' }))).toContain('color must be {x, y} or {hex: "#rrggbb"}')
  })

  test('a numeric preset name is accepted where the expose lists it', () => {
    const m = deriveModel([{ type: 'light', features: [{ type: 'numeric', name: 'color_temp', property: 'color_temp', access: 7, value_min: 153, value_max: 500, presets: [{ name: 'warmest', value: 500 }] }] }])
    expect(validateCommand({ name: 'b', model: m }, { color_temp: 'Warmest' })).toEqual({ color_temp: 'warmest' })
    expect(refusal(() => validateCommand({ name: 'b', model: m }, { color_temp: 'hot' }))).toContain('color_temp must be a number 153-500 or one of warmest, not hot')
  })

  test('an unsupported device (definition null) can do nothing', () => {
    const m = deriveModel(null)
    expect(m.kind).toBe('other')
    expect(refusal(() => validateCommand({ name: 'x', model: m }, { state: 'ON' }))).toContain('x has no property "state"; settable on x: nothing')
  })
})

describe('colour mapping (issue #6)', () => {
  test('names and hex, xy and hue/saturation', () => {
    expect(parseColour('Warm White')?.hex).toBe('#ffd7a8')
    expect(parseColour('#F80')?.hex).toBe('#ff8800')
    expect(parseColour('nope')).toBeNull()
    expect(rgbToHs({ r: 255, g: 0, b: 0 })).toEqual({ hue: 0, saturation: 100 })
    expect(rgbToHs({ r: 0, g: 0, b: 255 })).toEqual({ hue: 240, saturation: 100 })
    const blue = rgbToXy({ r: 0, g: 0, b: 255 })
    expect(blue.x).toBeCloseTo(0.1355, 3)
    expect(blue.y).toBeCloseTo(0.0399, 3)
  })

  test('kelvin → mired, clamped to the light range', () => {
    expect(kelvinToMired(2700, { min: 153, max: 500 })).toEqual({ mired: 370, clamped: false })
    expect(kelvinToMired(6500, { min: 250, max: 454 })).toEqual({ mired: 250, clamped: true })
  })

  test('brightness percent follows the light range; 0 % switches off', () => {
    const m = deriveModel([{ type: 'light', features: [
      { type: 'binary', name: 'state', property: 'state', access: 7, value_on: 'ON', value_off: 'OFF' },
      { type: 'numeric', name: 'brightness', property: 'brightness', access: 7, value_min: 1, value_max: 100 },
    ] }])
    expect(planLight('l', m, { brightness: 50 }).payload).toEqual({ brightness: 51 })
    expect(planLight('l', m, { brightness: 0 }).payload).toEqual({ state: 'OFF' })
    expect(planLight('l', m, { state: 'TOGGLE' }).notes).toEqual(['l cannot be switched TOGGLE'])
  })
})

describe('inbound guards (issue #6)', () => {
  test('topics are classified; commands and unknown bridge topics are ignored', () => {
    expect(classifyTopic('z2m', 'z2m/bridge/devices')).toEqual({ kind: 'devices' })
    expect(classifyTopic('z2m', 'z2m/kitchen/lamp')).toEqual({ kind: 'state', name: 'kitchen/lamp' })
    expect(classifyTopic('z2m', 'z2m/kitchen/lamp/availability')).toEqual({ kind: 'availability', name: 'kitchen/lamp' })
    expect(classifyTopic('z2m', 'z2m/lamp/set')).toEqual({ kind: 'other' })
    expect(classifyTopic('z2m', 'z2m/bridge/logging')).toEqual({ kind: 'other' })
    expect(classifyTopic('z2m', 'other/lamp')).toEqual({ kind: 'other' })
  })

  test('payload guards accept 2.x JSON and 1.x text, refuse the rest', () => {
    expect(parseOnline('{"state":"online"}')).toEqual({ ok: true, value: { state: 'online' } })
    expect(parseOnline('offline')).toEqual({ ok: true, value: { state: 'offline' } })
    expect(parseOnline('{"state":"maybe"}').ok).toBe(false)
    expect(parseState('[1]').ok).toBe(false)
    expect(parseState('').ok).toBe(false)
    expect(parseEvent('{"type":"device_leave","data":{"ieee_address":"0x1","friendly_name":"a"}}').ok).toBe(true)
    expect(parseEvent('{"type":"device_leave","data":{}}').ok).toBe(false)
    const devices = parseDevices(JSON.stringify([{ ieee_address: '0x1', friendly_name: 'a', type: 'Router', definition: { model: 'm', vendor: 'v', description: '', exposes: [{ type: 'numeric', access: 'x' }] } }]))
    expect(devices).toEqual({ ok: true, value: [], dropped: ['a'] })
  })
})

describe('broker address (issue #6)', () => {
  test('mqtt, mqtts with credentials, IPv6, websockets; anything else is refused', () => {
    expect(brokerAddress('mqtt://127.0.0.1:1883')).toMatchObject({ protocol: 'mqtt', hostname: '127.0.0.1', port: 1883 })
    expect(brokerAddress('mqtts://hub%40home:p%3Ass@broker.lan')).toMatchObject({ protocol: 'mqtts', hostname: 'broker.lan', port: 8883, username: 'hub@home', password: 'p:ss' })
    expect(brokerAddress('mqtt://[::1]:1884')).toMatchObject({ hostname: '::1', port: 1884 })
    expect(brokerAddress('ws://pi.local:9001/mqtt')).toMatchObject({ protocol: 'ws', port: 9001, path: '/mqtt' })
    expect(() => brokerAddress('http://broker')).toThrow('home.mqtt_url must be mqtt://')
  })
})
