/**
 * The zigbee feature's public shapes: what other features (chat, admin) may import. The HTTP
 * routes and tools return these.
 */
export type HomeStatus = {
  enabled: boolean
  broker: 'connecting' | 'connected' | 'down' | 'disabled'
  bridge: 'online' | 'offline' | 'unknown'
  devices: number
}

export type DeviceView = {
  name: string
  ieee: string
  /** Zigbee2MQTT's node type: Router, EndDevice, ... */
  type: string
  /** light, switch, cover, lock, climate, fan, sensor or other. */
  kind: string
  kinds: string[]
  model: string | null
  vendor: string | null
  description: string | null
  room: string | null
  room_source: 'manual' | 'group' | null
  hidden: boolean
  available: boolean | null
  can_set: string[]
  reports: string[]
  can_get: string[]
}

export type StateView = {
  device: string
  room: string | null
  kind: string
  available: boolean | null
  /** True when this is the stored copy, not confirmed by the broker since the link came up. */
  stale: boolean
  state: Record<string, unknown>
  updated_at: string | null
}

export type RoomView = { name: string; group: string | null; devices: string[] }

export type SetOutcome = {
  room: string | null
  published: { topic: string; payload: Record<string, unknown>; devices: string[] }[]
  confirmed: { device: string; state: Record<string, unknown> }[]
  unconfirmed: string[]
  skipped: { device: string; reason: string }[]
  notes: string[]
  message: string
}

/** What the chat service needs for its system context (connected by the lead via addContext). */
export interface HomeOverview {
  overview(): string
}
