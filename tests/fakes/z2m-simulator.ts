import mqtt, { type MqttClient } from 'mqtt'
import type { Z2mDevice, Z2mExpose, Z2mGroup } from '../../src/zigbee/topics'

/**
 * A Zigbee2MQTT 2.x stand-in: a real MQTT client that publishes what Zigbee2MQTT publishes
 * (retained bridge/state with an offline LWT, bridge/devices, bridge/groups, per-device state and
 * availability as JSON) and answers `<name>/set`, `<group>/set` and `<name>/get` like devices do,
 * clamping out-of-range values the way real firmware does.
 */

// ---- exposes, shaped as zigbee-herdsman-converters builds them ---------------------------------
const state = (description = 'On/off state of this light'): Z2mExpose => ({
  type: 'binary', name: 'state', property: 'state', label: 'State', access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE', description,
})
const brightness = (): Z2mExpose => ({ type: 'numeric', name: 'brightness', property: 'brightness', label: 'Brightness', access: 7, value_min: 0, value_max: 254, description: 'Brightness of this light' })
const colorTemp = (min: number, max: number): Z2mExpose => ({
  type: 'numeric', name: 'color_temp', property: 'color_temp', label: 'Color temp', access: 7, unit: 'mired', value_min: min, value_max: max,
  description: 'Color temperature of this light',
  presets: [
    { name: 'coolest', value: min, description: 'Coolest temperature supported' },
    { name: 'cool', value: 250, description: 'Cool temperature (250 mireds / 4000 Kelvin)' },
    { name: 'neutral', value: 370, description: 'Neutral temperature (370 mireds / 2700 Kelvin)' },
    { name: 'warm', value: 454, description: 'Warm temperature (454 mireds / 2200 Kelvin)' },
    { name: 'warmest', value: max, description: 'Warmest temperature supported' },
  ].filter((p) => p.value >= min && p.value <= max),
})
const colorXy = (): Z2mExpose => ({
  type: 'composite', name: 'color_xy', property: 'color', label: 'Color (X/Y)', access: 7, description: 'Color of this light in the CIE 1931 color space (x/y)',
  features: [
    { type: 'numeric', name: 'x', property: 'x', label: 'X', access: 7 },
    { type: 'numeric', name: 'y', property: 'y', label: 'Y', access: 7 },
  ],
})
const colorHs = (): Z2mExpose => ({
  type: 'composite', name: 'color_hs', property: 'color', label: 'Color (HS)', access: 7, description: 'Color of this light expressed as hue/saturation',
  features: [
    { type: 'numeric', name: 'hue', property: 'hue', label: 'Hue', access: 7 },
    { type: 'numeric', name: 'saturation', property: 'saturation', label: 'Saturation', access: 7 },
  ],
})
const effect = (): Z2mExpose => ({ type: 'enum', name: 'effect', property: 'effect', label: 'Effect', access: 2, values: ['blink', 'breathe', 'okay', 'channel_change', 'finish_effect', 'stop_effect'], description: 'Triggers an effect on the light' })
const powerOn = (): Z2mExpose => ({ type: 'enum', name: 'power_on_behavior', property: 'power_on_behavior', label: 'Power-on behavior', access: 7, category: 'config', values: ['off', 'on', 'toggle', 'previous'] })
const lqi = (): Z2mExpose => ({ type: 'numeric', name: 'linkquality', property: 'linkquality', label: 'Linkquality', access: 1, unit: 'lqi', value_min: 0, value_max: 255, category: 'diagnostic' })
const reading = (name: string, unit: string, access = 1, extra: Partial<Z2mExpose> = {}): Z2mExpose => ({ type: 'numeric', name, property: name, label: name, access, unit, ...extra })

export const light = (features: Z2mExpose[]): Z2mExpose => ({ type: 'light', features })

export type SimDevice = {
  device: Z2mDevice
  state: Record<string, unknown>
  /** Never answers /set (a device that drops commands). */
  silent?: boolean
}

let nextIeee = 0x1000
const ieee = () => `0x00178801${(nextIeee++).toString(16).padStart(8, '0')}`

export function simDevice(opts: { name: string; type?: Z2mDevice['type']; model: string; vendor: string; description: string; exposes: Z2mExpose[]; state: Record<string, unknown>; silent?: boolean; ieee?: string }): SimDevice {
  return {
    device: {
      ieee_address: opts.ieee ?? ieee(),
      friendly_name: opts.name,
      type: opts.type ?? 'Router',
      network_address: Math.floor(Math.random() * 65_000),
      supported: true,
      disabled: false,
      definition: { model: opts.model, vendor: opts.vendor, description: opts.description, exposes: opts.exposes, options: [], supports_ota: true, icon: '' },
      power_source: opts.type === 'EndDevice' ? 'Battery' : 'Mains (single phase)',
      model_id: opts.model,
      manufacturer: opts.vendor,
      interviewing: false,
      interview_completed: true,
      interview_state: 'SUCCESSFUL',
      endpoints: { '1': { bindings: [], configured_reportings: [], clusters: { input: ['genBasic', 'genOnOff'], output: [] }, scenes: [] } },
    },
    state: opts.state,
    silent: opts.silent,
  }
}

/** The standard simulated home of the tests. */
export function standardHome(): { devices: SimDevice[]; groups: Z2mGroup[] } {
  const ceiling = simDevice({
    name: 'living_room_ceiling', model: '9290022166', vendor: 'Philips', description: 'Hue White and Color Ambiance E26/E27',
    exposes: [light([state(), brightness(), colorTemp(153, 500), colorXy()]), effect(), powerOn(), lqi()],
    state: { state: 'OFF', brightness: 254, color_temp: 366, color: { x: 0.4573, y: 0.41 }, color_mode: 'color_temp', linkquality: 180 },
  })
  const floor = simDevice({
    name: 'living_room_floor', model: 'LED1836G9', vendor: 'IKEA', description: 'TRADFRI bulb E26/E27, white, 806/810 lm',
    exposes: [light([state(), brightness()]), effect(), powerOn(), lqi()],
    state: { state: 'OFF', brightness: 100, linkquality: 140 },
  })
  const lamp = simDevice({
    name: 'living_room_lamp', model: 'LED1545G12', vendor: 'IKEA', description: 'TRADFRI bulb E26/E27, white spectrum, globe, opal, 980 lm',
    exposes: [light([state(), brightness(), colorTemp(250, 454)]), effect(), powerOn(), lqi()],
    state: { state: 'OFF', brightness: 120, color_temp: 370, linkquality: 120 },
  })
  const bedroomBulb = simDevice({
    name: 'bedroom_bulb', model: 'GL-B-008Z', vendor: 'Gledopto', description: 'Smart 12W E27 RGB / CCT LED bulb',
    exposes: [light([state(), brightness(), colorTemp(153, 370), colorHs(), colorXy()]), lqi()],
    state: { state: 'ON', brightness: 80, color_temp: 300, color: { hue: 30, saturation: 50 }, linkquality: 99 },
  })
  const blinds = simDevice({
    name: 'bedroom_blinds', model: 'E1757', vendor: 'IKEA', description: 'FYRTUR roller blind', type: 'EndDevice',
    exposes: [
      { type: 'cover', features: [{ type: 'enum', name: 'state', property: 'state', label: 'State', access: 3, values: ['OPEN', 'CLOSE', 'STOP'] }, reading('position', '%', 7, { value_min: 0, value_max: 100, description: 'Position of this cover' })] },
      reading('battery', '%', 5, { value_min: 0, value_max: 100, category: 'diagnostic' }),
      lqi(),
    ],
    state: { state: 'OPEN', position: 100, battery: 87, linkquality: 76 },
  })
  const plug = simDevice({
    name: 'kitchen_plug', model: 'ZNCZ04LM', vendor: 'Aqara', description: 'Smart plug EU',
    exposes: [
      { type: 'switch', features: [state('On/off state of the switch')] },
      reading('power', 'W', 5, { description: 'Instantaneous measured power' }),
      reading('energy', 'kWh', 5, { description: 'Sum of consumed energy' }),
      reading('voltage', 'V', 5),
      reading('current', 'A', 5),
      lqi(),
    ],
    state: { state: 'OFF', power: 0, energy: 1.25, voltage: 231, current: 0, linkquality: 150 },
  })
  const sensor = simDevice({
    name: 'hallway_sensor', model: 'WSDCGQ11LM', vendor: 'Aqara', description: 'Temperature, humidity and pressure sensor', type: 'EndDevice',
    exposes: [reading('temperature', '°C', 1, { description: 'Measured temperature value' }), reading('humidity', '%', 1), reading('battery', '%', 1, { value_min: 0, value_max: 100, category: 'diagnostic' }), lqi()],
    state: { temperature: 21.5, humidity: 45.2, battery: 91, linkquality: 60 },
  })
  const garage = simDevice({
    name: 'garage_light', model: 'LED2002G5', vendor: 'IKEA', description: 'TRADFRI bulb E14, white, globe, opal, 470 lm',
    exposes: [light([state(), brightness()]), lqi()],
    state: { state: 'OFF', brightness: 50 },
    silent: true,
  })
  const devices = [ceiling, floor, lamp, bedroomBulb, blinds, plug, sensor, garage]
  const member = (d: SimDevice) => ({ ieee_address: d.device.ieee_address, endpoint: 1 })
  const groups: Z2mGroup[] = [
    { id: 1, friendly_name: 'living_room', description: '', scenes: [], members: [member(ceiling), member(floor), member(lamp)] },
    { id: 2, friendly_name: 'bedroom', description: '', scenes: [], members: [member(bedroomBulb), member(blinds)] },
  ]
  return { devices, groups }
}

/** N lights and sensors, for the discovery bench. */
export function generatedHome(n: number): { devices: SimDevice[]; groups: Z2mGroup[] } {
  const devices: SimDevice[] = []
  for (let i = 0; i < n; i++) {
    const isLight = i % 2 === 0
    devices.push(
      isLight
        ? simDevice({ name: `light_${i}`, model: 'LED1545G12', vendor: 'IKEA', description: 'white spectrum bulb', exposes: [light([state(), brightness(), colorTemp(250, 454)]), lqi()], state: { state: 'OFF', brightness: 10, color_temp: 300 } })
        : simDevice({ name: `sensor_${i}`, model: 'WSDCGQ11LM', vendor: 'Aqara', description: 'sensor', type: 'EndDevice', exposes: [reading('temperature', '°C'), reading('humidity', '%'), lqi()], state: { temperature: 20 + (i % 5), humidity: 40 } }),
    )
  }
  const groups: Z2mGroup[] = []
  for (let g = 0; g < Math.ceil(n / 10); g++) {
    groups.push({ id: g + 1, friendly_name: `room_${g}`, members: devices.slice(g * 10, g * 10 + 10).map((d) => ({ ieee_address: d.device.ieee_address, endpoint: 1 })) })
  }
  return { devices, groups }
}

export class Z2mSimulator {
  private client?: MqttClient
  readonly devices = new Map<string, SimDevice>()
  groups: Z2mGroup[]
  /** Every command the simulator received, in order. */
  readonly received: { topic: string; payload: unknown }[] = []

  constructor(
    private url: string,
    home: { devices: SimDevice[]; groups: Z2mGroup[] },
    private base = 'zigbee2mqtt',
    /** Credentials and, for mqtts, the CA to trust. */
    private auth: { username?: string; password?: string; ca?: string } = {},
  ) {
    for (const d of home.devices) this.devices.set(d.device.friendly_name, d)
    this.groups = home.groups
  }

  async start(): Promise<void> {
    const client = mqtt.connect(this.url, {
      clientId: `z2m-sim-${Math.random().toString(16).slice(2, 8)}`,
      ...this.auth,
      reconnectPeriod: 100,
      will: { topic: `${this.base}/bridge/state`, payload: Buffer.from(JSON.stringify({ state: 'offline' })), retain: true, qos: 1 },
    })
    this.client = client
    client.on('message', (topic, payload) => void this.onMessage(topic, payload.toString()))
    // A broker restarted without persistence forgot every retained message: publish them again.
    client.on('connect', () => {
      ;(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
      void this.announce()
    })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    await client.subscribeAsync(`${this.base}/#`)
    await this.announce()
  }

  /** A clean shutdown, as Zigbee2MQTT does it: bridge/state offline, then disconnect. */
  async stop(): Promise<void> {
    const c = this.client
    this.client = undefined
    if (!c) return
    // Bounded: a PUBACK that never comes (the broker busy with a closing peer) must not hang a test's cleanup.
    if (c.connected) {
      const offline = c.publishAsync(`${this.base}/bridge/state`, JSON.stringify({ state: 'offline' }), { retain: true, qos: 1 }).catch(() => {})
      await Promise.race([offline, Bun.sleep(500)])
    }
    await c.endAsync(true)
  }

  /** Dies without a word: the broker publishes the last will (bridge/state offline). */
  async crash(): Promise<void> {
    const c = this.client
    this.client = undefined
    if (!c) return
    c.options.reconnectPeriod = 0
    c.stream.destroy()
    await c.endAsync(true).catch(() => {})
  }

  private async announce(): Promise<void> {
    const c = this.client
    if (!c?.connected) return
    await this.pub('bridge/state', { state: 'online' }, true)
    await this.publishLists()
    for (const d of this.devices.values()) {
      await this.pub(`${d.device.friendly_name}/availability`, { state: 'online' }, true)
      await this.pub(d.device.friendly_name, d.state, true)
    }
  }

  private async publishLists(): Promise<void> {
    const coordinator = { ieee_address: '0x00124b0000000000', friendly_name: 'Coordinator', type: 'Coordinator', network_address: 0, supported: true, disabled: false, definition: null, interview_completed: true, interviewing: false }
    await this.pub('bridge/devices', [coordinator, ...[...this.devices.values()].map((d) => d.device)], true)
    await this.pub('bridge/groups', this.groups, true)
  }

  async pub(sub: string, payload: unknown, retain = false): Promise<void> {
    await this.client?.publishAsync(`${this.base}/${sub}`, typeof payload === 'string' ? payload : JSON.stringify(payload), { retain, qos: 0 })
  }

  /** Pairs a new device at run time: the new list, then the events Zigbee2MQTT sends. */
  async addDevice(d: SimDevice, group?: string): Promise<void> {
    this.devices.set(d.device.friendly_name, d)
    if (group) this.groups.find((g) => g.friendly_name === group)?.members.push({ ieee_address: d.device.ieee_address, endpoint: 1 })
    const who = { friendly_name: d.device.friendly_name, ieee_address: d.device.ieee_address }
    await this.pub('bridge/event', { type: 'device_joined', data: who })
    await this.pub('bridge/event', { type: 'device_interview', data: { ...who, status: 'started' } })
    await this.publishLists()
    await this.pub('bridge/event', { type: 'device_interview', data: { ...who, status: 'successful', supported: true, definition: d.device.definition } })
    await this.pub(`${d.device.friendly_name}/availability`, { state: 'online' }, true)
    await this.pub(d.device.friendly_name, d.state, true)
  }

  /** A device leaves the network: the shorter list, the event, its retained topics cleared. */
  async removeDevice(name: string): Promise<void> {
    const d = this.devices.get(name)!
    this.devices.delete(name)
    for (const g of this.groups) g.members = g.members.filter((m) => m.ieee_address !== d.device.ieee_address)
    await this.publishLists()
    await this.pub('bridge/event', { type: 'device_leave', data: { friendly_name: name, ieee_address: d.device.ieee_address } })
    await this.pub(`${name}/availability`, '', true)
    await this.pub(name, '', true)
  }

  async setAvailability(name: string, online: boolean): Promise<void> {
    await this.pub(`${name}/availability`, { state: online ? 'online' : 'offline' }, true)
  }

  /** A device reporting on its own (a sensor reading). */
  async report(name: string, values: Record<string, unknown>): Promise<void> {
    const d = this.devices.get(name)!
    Object.assign(d.state, values)
    await this.pub(name, d.state, true)
  }

  private async onMessage(topic: string, text: string): Promise<void> {
    const rest = topic.slice(this.base.length + 1)
    const m = /^(.*)\/(set|get)$/.exec(rest)
    if (!m) return
    let payload: unknown
    try {
      payload = JSON.parse(text)
    } catch {
      return
    }
    this.received.push({ topic, payload })
    if (typeof payload !== 'object' || payload === null) return
    const [, name, verb] = m
    const group = this.groups.find((g) => g.friendly_name === name)
    const targets = group
      ? [...this.devices.values()].filter((d) => group.members.some((mm) => mm.ieee_address === d.device.ieee_address))
      : [this.devices.get(name!)].filter((d): d is SimDevice => d !== undefined)
    for (const d of targets) {
      if (d.silent) continue
      if (verb === 'set') apply(d, payload as Record<string, unknown>)
      await this.pub(d.device.friendly_name, d.state, true)
    }
    if (group && verb === 'set') await this.pub(group.friendly_name, { state: targets.some((d) => d.state.state === 'ON') ? 'ON' : 'OFF' })
  }
}

function flatten(exposes: Z2mExpose[]): Z2mExpose[] {
  return exposes.flatMap((e) => (e.features && e.type !== 'composite' ? e.features : [e]))
}

/** What a device does with a command: clamps numbers, toggles, ignores what it does not know. */
function apply(d: SimDevice, cmd: Record<string, unknown>): void {
  const features = flatten(d.device.definition?.exposes ?? [])
  const isCover = (d.device.definition?.exposes ?? []).some((e) => e.type === 'cover')
  for (const [key, value] of Object.entries(cmd)) {
    const f = features.find((x) => x.property === key && (x.access ?? 0) & 2)
    if (!f) continue
    if (f.type === 'numeric' && typeof value === 'number') {
      d.state[key] = Math.min(f.value_max ?? Infinity, Math.max(f.value_min ?? -Infinity, value))
      if (key === 'brightness') d.state.state = value > 0 ? 'ON' : 'OFF'
      if (key === 'color_temp') d.state.color_mode = 'color_temp'
      if (key === 'position') d.state.state = (d.state.position as number) > 0 ? 'OPEN' : 'CLOSE'
    } else if (f.type === 'numeric' && typeof value === 'string') {
      const preset = f.presets?.find((p) => p.name === value)
      if (preset) d.state[key] = preset.value
    } else if (f.type === 'binary') {
      d.state[key] = value === f.value_toggle ? (d.state[key] === f.value_on ? f.value_off : f.value_on) : value
    } else if (f.type === 'enum' && isCover && key === 'state') {
      if (value === 'OPEN') d.state.position = 100
      if (value === 'CLOSE') d.state.position = 0
      if (value !== 'STOP') d.state.state = value
    } else if (f.type === 'composite') {
      d.state[key] = value
      d.state.color_mode = 'hue' in (value as object) ? 'hs' : 'xy'
    } else if (f.access && f.access & 1) {
      d.state[key] = value
    }
  }
  if ('power' in d.state) d.state.power = d.state.state === 'ON' ? 12.5 : 0
}
