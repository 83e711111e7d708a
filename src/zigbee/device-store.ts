import { NotFound } from '../core/errors'
import type { EventBus } from '../core/events'
import { capabilitySummary, deriveModel, type DeviceKind, type DeviceModel } from './exposes'
import type { ZigbeeRepo } from './repo'
import type { Z2mDefinition, Z2mDevice, Z2mGroup } from './topics'
import type { DeviceView, RoomView, StateView } from './types'

export type Entry = {
  ieee: string
  name: string
  type: string
  definition: Z2mDefinition | null
  model: DeviceModel
  room: string | null
  hidden: boolean
  state: Record<string, unknown>
  stateAt: Date | null
  /** Received from the broker since the link last came up (else it is the stored copy: stale). */
  fresh: boolean
  available: boolean | null
}

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, '_')

/**
 * The home as last known: devices (with their model, room, hidden flag, state, availability) and
 * groups, in memory and mirrored to SQLite. State writes are throttled per device; events are not.
 */
export class DeviceStore {
  private byIeee = new Map<string, Entry>()
  private byName = new Map<string, Entry>()
  groups: Z2mGroup[] = []
  private writes = new Map<string, { last: number; timer?: ReturnType<typeof setTimeout> }>()
  writeCount = 0

  constructor(private opts: { repo: ZigbeeRepo; bus: EventBus; writeThrottleMs: number }) {}

  get size(): number {
    return this.byIeee.size
  }

  all(): Entry[] {
    return [...this.byIeee.values()]
  }

  byTopicName(name: string): Entry | undefined {
    return this.byName.get(name)
  }

  /** The stored copy, served (stale) until the broker confirms it. */
  load(): void {
    this.clear()
    this.groups = this.opts.repo.groups().map((g) => ({ id: g.id, friendly_name: g.friendlyName, members: g.members.map((ieee) => ({ ieee_address: ieee, endpoint: 1 })) }))
    for (const row of this.opts.repo.devices()) {
      const definition = (row.definition ?? null) as Z2mDefinition | null
      this.put({
        ieee: row.ieee,
        name: row.friendlyName,
        type: row.type,
        definition,
        model: deriveModel(definition?.exposes),
        room: row.room,
        hidden: row.hidden,
        state: row.state ?? {},
        stateAt: row.stateAt,
        fresh: false,
        available: row.available,
      })
    }
  }

  /** Flushes pending writes and forgets everything in memory. */
  clear(): void {
    for (const [ieee, w] of this.writes) {
      if (w.timer) {
        clearTimeout(w.timer)
        this.flush(ieee)
      }
    }
    this.writes.clear()
    this.byIeee.clear()
    this.byName.clear()
    this.groups = []
  }

  markAllStale(): void {
    for (const e of this.byIeee.values()) e.fresh = false
  }

  /** Zigbee2MQTT's list is the truth: keeps what was set by hand and the last state, drops the gone. */
  replaceDevices(list: Z2mDevice[]): void {
    const usable = list.filter((d) => d.type !== 'Coordinator' && !d.disabled)
    this.opts.repo.syncDevices(usable)
    const old = this.byIeee
    this.byIeee = new Map()
    this.byName = new Map()
    for (const d of usable) {
      const prev = old.get(d.ieee_address)
      const definition = d.definition ?? null
      this.put({
        ieee: d.ieee_address,
        name: d.friendly_name,
        type: d.type,
        definition,
        model: deriveModel(definition?.exposes),
        room: prev?.room ?? null,
        hidden: prev?.hidden ?? false,
        state: prev?.state ?? {},
        stateAt: prev?.stateAt ?? null,
        fresh: prev?.name === d.friendly_name && prev.fresh,
        available: prev?.available ?? null,
      })
    }
  }

  replaceGroups(list: Z2mGroup[]): void {
    this.groups = list
    this.opts.repo.syncGroups(list)
  }

  applyState(e: Entry, payload: Record<string, unknown>): void {
    e.state = { ...e.state, ...payload }
    e.stateAt = new Date()
    e.fresh = true
    this.write(e)
    this.opts.bus.emit({ type: 'device_state', device: e.name, state: e.state })
  }

  applyAvailability(e: Entry, available: boolean): void {
    if (e.available === available) return
    e.available = available
    this.opts.repo.saveAvailability(e.ieee, available)
    this.opts.bus.emit({ type: 'device_availability', device: e.name, available })
  }

  update(e: Entry, patch: { room?: string | null; hidden?: boolean }): void {
    this.opts.repo.update(e.ieee, patch)
    if (patch.room !== undefined) e.room = patch.room
    if (patch.hidden !== undefined) e.hidden = patch.hidden
  }

  // ---- lookups --------------------------------------------------------------------------------

  visible(includeHidden = false): Entry[] {
    return this.all()
      .filter((e) => includeHidden || !e.hidden)
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  ofKind(entries: Entry[], kind?: string): Entry[] {
    return kind ? entries.filter((e) => e.model.kinds.includes(kind as DeviceKind)) : entries
  }

  find(name: string, includeHidden = false): Entry {
    const e = this.byName.get(name) ?? this.byIeee.get(name) ?? this.all().find((x) => norm(x.name) === norm(name))
    if (!e || (e.hidden && !includeHidden)) {
      const known = this.visible(includeHidden).slice(0, 30).map((x) => x.name)
      throw new NotFound(`no device "${name}"; devices: ${known.join(', ') || 'none'}`)
    }
    return e
  }

  /** A room set by hand wins; otherwise the first Zigbee2MQTT group the device is in. */
  roomOf(e: Entry): string | null {
    if (e.room) return e.room
    return this.groups.find((g) => g.members.some((m) => m.ieee_address === e.ieee))?.friendly_name ?? null
  }

  /** "Living room" finds `living_room`. */
  roomName(input: string): string {
    const all = this.rooms(true).map((r) => r.name)
    const hit = all.find((r) => r === input) ?? all.find((r) => norm(r) === norm(input))
    if (!hit) throw new NotFound(`no room "${input}"; rooms: ${all.join(', ') || 'none'}`)
    return hit
  }

  inRoom(room: string, includeHidden = false): Entry[] {
    const name = this.roomName(room)
    return this.visible(includeHidden).filter((e) => this.roomOf(e) === name)
  }

  rooms(includeHidden = false): RoomView[] {
    const rooms = new Map<string, RoomView>()
    for (const g of this.groups) rooms.set(g.friendly_name, { name: g.friendly_name, group: g.friendly_name, devices: [] })
    for (const e of this.visible(includeHidden)) {
      const room = this.roomOf(e)
      if (!room) continue
      if (!rooms.has(room)) rooms.set(room, { name: room, group: null, devices: [] })
      rooms.get(room)!.devices.push(e.name)
    }
    return [...rooms.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  view(e: Entry): DeviceView {
    const room = this.roomOf(e)
    return {
      name: e.name,
      ieee: e.ieee,
      type: e.type,
      kind: e.model.kind,
      kinds: e.model.kinds,
      model: e.definition?.model ?? null,
      vendor: e.definition?.vendor ?? null,
      description: e.definition?.description ?? null,
      room,
      room_source: e.room ? 'manual' : room ? 'group' : null,
      hidden: e.hidden,
      available: e.available,
      ...capabilitySummary(e.model),
    }
  }

  stateView(e: Entry, live: boolean): StateView {
    return {
      device: e.name,
      room: this.roomOf(e),
      kind: e.model.kind,
      available: e.available,
      stale: !(e.fresh && live),
      state: e.state,
      updated_at: e.stateAt ? e.stateAt.toISOString() : null,
    }
  }

  /** Rooms with device names and kinds (no state), bounded for a system prompt. */
  overview(maxChars: number): string {
    if (this.byIeee.size === 0) return ''
    const byRoom = new Map<string, string[]>()
    for (const e of this.visible(false)) {
      const room = this.roomOf(e) ?? 'no room'
      byRoom.set(room, [...(byRoom.get(room) ?? []), `${e.name} (${e.model.kind})`])
    }
    const head = 'Zigbee devices by room (use home_get_state for live state, smart_home_control or home_set_state to change):'
    const lines: string[] = []
    let used = head.length
    const rooms = [...byRoom].sort(([a], [b]) => a.localeCompare(b))
    for (let i = 0; i < rooms.length; i++) {
      const line = `- ${rooms[i]![0]}: ${rooms[i]![1].join(', ')}`
      if (used + line.length + 1 > maxChars - 60) {
        lines.push(`- … and ${rooms.length - i} more rooms (see home_list_devices)`)
        break
      }
      lines.push(line)
      used += line.length + 1
    }
    return [head, ...lines].join('\n')
  }

  // ---- internals ------------------------------------------------------------------------------

  private put(e: Entry): void {
    this.byIeee.set(e.ieee, e)
    this.byName.set(e.name, e)
  }

  /** At most one write per device per throttle window; a pending write always carries the latest state. */
  private write(e: Entry): void {
    const w = this.writes.get(e.ieee) ?? { last: 0 }
    this.writes.set(e.ieee, w)
    if (w.timer) return
    const wait = w.last + this.opts.writeThrottleMs - Date.now()
    if (wait <= 0) return this.flush(e.ieee)
    w.timer = setTimeout(() => this.flush(e.ieee), wait)
  }

  private flush(ieee: string): void {
    const w = this.writes.get(ieee)
    if (w) {
      w.timer = undefined
      w.last = Date.now()
    }
    const e = this.byIeee.get(ieee)
    if (!e) return
    this.opts.repo.saveState(ieee, e.state, e.stateAt ?? new Date())
    this.writeCount++
  }
}
