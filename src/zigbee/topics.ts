/**
 * The one source of Zigbee2MQTT's MQTT payload types and topic names (2.x API, see
 * zigbee2mqtt.io "MQTT topics and messages" and "Exposes"). Inbound payloads pass a guard here
 * before anything else looks at them; a payload that fails is reported, never trusted.
 */

/** An `exposes` entry as Zigbee2MQTT sends it. Generic types carry `access`; specific ones `features`. */
export type Z2mExpose = {
  type: string
  name?: string
  label?: string
  property?: string
  description?: string
  access?: number
  endpoint?: string
  category?: 'config' | 'diagnostic'
  features?: Z2mExpose[]
  // binary
  value_on?: unknown
  value_off?: unknown
  value_toggle?: unknown
  // numeric
  value_min?: number
  value_max?: number
  value_step?: number
  unit?: string
  presets?: { name: string; value: number | string; description?: string }[]
  // enum
  values?: (string | number)[]
  // list
  item_type?: Z2mExpose
  length_min?: number
  length_max?: number
}

export type Z2mDefinition = {
  model: string
  vendor: string
  description: string
  exposes: Z2mExpose[]
  options?: Z2mExpose[]
  supports_ota?: boolean
  icon?: string
}

/** One entry of the retained `bridge/devices` list. */
export type Z2mDevice = {
  ieee_address: string
  friendly_name: string
  type: 'Coordinator' | 'Router' | 'EndDevice' | 'Unknown' | 'GreenPower'
  network_address?: number
  supported?: boolean
  disabled?: boolean
  description?: string
  definition?: Z2mDefinition | null
  power_source?: string | null
  model_id?: string | null
  manufacturer?: string | null
  interviewing?: boolean
  interview_completed?: boolean
  interview_state?: string
  endpoints?: Record<string, unknown>
}

export type Z2mGroupMember = { ieee_address: string; endpoint: number }
export type Z2mGroup = { id: number; friendly_name: string; description?: string; scenes?: { id: number; name: string }[]; members: Z2mGroupMember[] }

export type Z2mOnline = { state: 'online' | 'offline' }

export type Z2mBridgeEvent =
  | { type: 'device_joined' | 'device_announce' | 'device_leave'; data: { friendly_name: string; ieee_address: string } }
  | {
      type: 'device_interview'
      data: { friendly_name: string; ieee_address: string; status: 'started' | 'failed' | 'successful'; supported?: boolean; definition?: Z2mDefinition }
    }

export type DeviceStatePayload = Record<string, unknown>

/** Topic names under one base topic. Friendly names may contain `/` (Zigbee2MQTT allows it). */
export function topicsFor(base: string) {
  return {
    devices: `${base}/bridge/devices`,
    groups: `${base}/bridge/groups`,
    state: `${base}/bridge/state`,
    event: `${base}/bridge/event`,
    device: (name: string) => `${base}/${name}`,
    availability: (name: string) => `${base}/${name}/availability`,
    set: (name: string) => `${base}/${name}/set`,
    get: (name: string) => `${base}/${name}/get`,
  }
}
export type Topics = ReturnType<typeof topicsFor>

export type InboundTopic =
  | { kind: 'devices' | 'groups' | 'bridge_state' | 'event' }
  | { kind: 'state' | 'availability'; name: string }
  | { kind: 'other' }

/** What a received topic is about. Commands (`/set`, `/get`) and unknown bridge topics are `other`. */
export function classifyTopic(base: string, topic: string): InboundTopic {
  if (!topic.startsWith(base + '/')) return { kind: 'other' }
  const rest = topic.slice(base.length + 1)
  switch (rest) {
    case 'bridge/devices':
      return { kind: 'devices' }
    case 'bridge/groups':
      return { kind: 'groups' }
    case 'bridge/state':
      return { kind: 'bridge_state' }
    case 'bridge/event':
      return { kind: 'event' }
  }
  if (rest.startsWith('bridge/') || rest === '') return { kind: 'other' }
  if (rest.endsWith('/availability')) return { kind: 'availability', name: rest.slice(0, -'/availability'.length) }
  if (/\/(set|get)(\/.*)?$/.test(rest)) return { kind: 'other' }
  return { kind: 'state', name: rest }
}

// ---- guards -------------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; value: T; dropped?: string[] } | { ok: false; reason: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseJson(raw: string | Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw)
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
}

function isExpose(v: unknown, depth = 0): v is Z2mExpose {
  if (!isObject(v) || typeof v.type !== 'string' || depth > 6) return false
  if (v.access !== undefined && typeof v.access !== 'number') return false
  if (v.property !== undefined && typeof v.property !== 'string') return false
  if (v.features !== undefined && !(Array.isArray(v.features) && v.features.every((f) => isExpose(f, depth + 1)))) return false
  if (v.values !== undefined && !Array.isArray(v.values)) return false
  for (const k of ['value_min', 'value_max', 'value_step']) if (v[k] !== undefined && typeof v[k] !== 'number') return false
  if (v.item_type !== undefined && !isExpose(v.item_type, depth + 1)) return false
  return true
}

function isDefinition(v: unknown): v is Z2mDefinition {
  return isObject(v) && typeof v.model === 'string' && typeof v.vendor === 'string' && Array.isArray(v.exposes) && v.exposes.every((e) => isExpose(e))
}

/** `bridge/devices`: a list; entries that do not fit are dropped (and named) rather than sinking the list. */
export function parseDevices(raw: string | Uint8Array): Parsed<Z2mDevice[]> {
  const json = parseJson(raw)
  if (!json.ok) return json
  if (!Array.isArray(json.value)) return { ok: false, reason: 'bridge/devices is not a list' }
  const value: Z2mDevice[] = []
  const dropped: string[] = []
  for (const d of json.value) {
    const fits =
      isObject(d) &&
      typeof d.ieee_address === 'string' &&
      typeof d.friendly_name === 'string' &&
      d.friendly_name !== '' &&
      typeof d.type === 'string' &&
      (d.definition === undefined || d.definition === null || isDefinition(d.definition))
    if (fits) value.push(d as Z2mDevice)
    else dropped.push(isObject(d) && typeof d.friendly_name === 'string' ? d.friendly_name : '(unnamed)')
  }
  return { ok: true, value, dropped }
}

export function parseGroups(raw: string | Uint8Array): Parsed<Z2mGroup[]> {
  const json = parseJson(raw)
  if (!json.ok) return json
  if (!Array.isArray(json.value)) return { ok: false, reason: 'bridge/groups is not a list' }
  const value: Z2mGroup[] = []
  const dropped: string[] = []
  for (const g of json.value) {
    const fits =
      isObject(g) &&
      typeof g.id === 'number' &&
      typeof g.friendly_name === 'string' &&
      Array.isArray(g.members) &&
      g.members.every((m) => isObject(m) && typeof m.ieee_address === 'string')
    if (fits) value.push(g as Z2mGroup)
    else dropped.push(isObject(g) && typeof g.friendly_name === 'string' ? g.friendly_name : '(unnamed)')
  }
  return { ok: true, value, dropped }
}

/** `bridge/state` and `<name>/availability`: JSON `{"state":"online"}` in 2.x; plain `online` from 1.x. */
export function parseOnline(raw: string | Uint8Array): Parsed<Z2mOnline> {
  const text = (typeof raw === 'string' ? raw : new TextDecoder().decode(raw)).trim()
  if (text === 'online' || text === 'offline') return { ok: true, value: { state: text } }
  const json = parseJson(text)
  if (!json.ok) return json
  if (isObject(json.value) && (json.value.state === 'online' || json.value.state === 'offline')) return { ok: true, value: { state: json.value.state } }
  return { ok: false, reason: 'expected {"state":"online"|"offline"}' }
}

const EVENT_TYPES = new Set(['device_joined', 'device_announce', 'device_leave', 'device_interview'])

export function parseEvent(raw: string | Uint8Array): Parsed<Z2mBridgeEvent> {
  const json = parseJson(raw)
  if (!json.ok) return json
  const v = json.value
  if (!isObject(v) || typeof v.type !== 'string' || !isObject(v.data)) return { ok: false, reason: 'expected {type, data}' }
  if (!EVENT_TYPES.has(v.type)) return { ok: false, reason: `event type ${v.type} not handled` }
  if (typeof v.data.ieee_address !== 'string' || typeof v.data.friendly_name !== 'string') return { ok: false, reason: 'event without device' }
  return { ok: true, value: v as Z2mBridgeEvent }
}

/** A device's state message: always a JSON object in Zigbee2MQTT. */
export function parseState(raw: string | Uint8Array): Parsed<DeviceStatePayload> {
  const json = parseJson(raw)
  if (!json.ok) return json
  if (!isObject(json.value)) return { ok: false, reason: 'state is not a JSON object' }
  return { ok: true, value: json.value }
}
