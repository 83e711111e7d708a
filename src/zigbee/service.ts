import type { HearthConfig } from '../core/config'
import { NotFound, Unavailable, ValidationFailed } from '../core/errors'
import type { EventBus } from '../core/events'
import type { HealthEntry } from '../core/health'
import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import type { ToolRegistry } from '../mcp/types'
import { capabilitySummary, deriveModel, type DeviceKind, type DeviceModel } from './exposes'
import { checkLightsRequest, planLight, type LightsRequest } from './lights'
import { RealMqttLink, type LinkStatus, type MqttLink, type MqttLinkOptions } from './link'
import { ZigbeeRepo } from './repo'
import { registerHomeTools } from './tools'
import { classifyTopic, parseDevices, parseEvent, parseGroups, parseOnline, parseState, topicsFor, type Topics, type Z2mDefinition, type Z2mDevice, type Z2mGroup } from './topics'
import type { DeviceView, HomeStatus, RoomView, SetOutcome, StateView } from './types'
import { validateCommand } from './validate'

type HomeConfig = HearthConfig['home']

export type ZigbeeServiceOptions = {
  config: () => HomeConfig
  db: Db
  bus: EventBus
  log: Logger
  tools: ToolRegistry
  /** Swappable for tests; the real link dials the `mqtt` package. */
  link?: (opts: MqttLinkOptions) => MqttLink
  /** Smallest gap between two state writes of one device; the last value always lands. */
  writeThrottleMs?: number
}

type Entry = {
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

type Waiter = { expect: Record<string, unknown>; done: (state: Record<string, unknown>) => void }
type Step = { topic: string; payload: Record<string, unknown>; devices: Entry[] }

/**
 * Whether a reported value confirms a requested one. A retained old state arriving late must not
 * count; small differences (a bulb reporting 253 for 254, xy rounding) must.
 */
function agrees(wanted: unknown, reported: unknown): boolean {
  if (wanted === '' || wanted === 'TOGGLE' || wanted === 'STOP' || (typeof wanted === 'string' && typeof reported === 'number')) return true // a /get, a toggle, a cover stop or a preset
  if (typeof wanted === 'number') return typeof reported === 'number' && Math.abs(reported - wanted) <= Math.max(1, Math.abs(wanted) * 0.02)
  if (typeof wanted === 'string') return typeof reported === 'string' && reported.toLowerCase() === wanted.toLowerCase()
  if (wanted && typeof wanted === 'object' && reported && typeof reported === 'object') {
    if ('hex' in wanted) return true
    return Object.entries(wanted).every(([k, v]) => {
      const r = (reported as Record<string, unknown>)[k]
      return typeof v === 'number' && typeof r === 'number' ? Math.abs(r - v) <= (Math.abs(v) <= 1 ? 0.01 : 2) : r === v
    })
  }
  return wanted === reported
}

/** Settings whose change needs a new connection (confirm_timeout_ms is read per call). */
const RESTART_KEYS = new Set(['home.enabled', 'home.mqtt_url', 'home.base_topic', 'home.username', 'home.password', 'home.client_id'])

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, '_')

/**
 * Zigbee devices from Zigbee2MQTT: learns them from the retained bridge topics, keeps their state
 * (memory + SQLite), turns tool calls into `/set` messages and waits for the devices to confirm.
 * A broker that is away never blocks: start() returns at once and the last known state is served,
 * marked stale.
 */
export class ZigbeeService {
  private link?: MqttLink
  private repo: ZigbeeRepo
  private byIeee = new Map<string, Entry>()
  private byName = new Map<string, Entry>()
  private groups: Z2mGroup[] = []
  private bridge: 'online' | 'offline' | 'unknown' = 'unknown'
  private topics!: Topics
  private base = ''
  private subscribed = new Set<string>()
  private waiters = new Map<string, Set<Waiter>>()
  private writes = new Map<string, { last: number; timer?: ReturnType<typeof setTimeout> }>()
  private resyncTimer?: ReturnType<typeof setTimeout>
  private unregister?: () => void
  private offConfig?: () => void
  private lifecycle: Promise<void> = Promise.resolve()
  private enabled = false
  private counters = { messages: 0, rejected: 0, state_writes: 0, commands: 0 }
  private log: Logger

  constructor(private opts: ZigbeeServiceOptions) {
    this.repo = new ZigbeeRepo(opts.db)
    this.log = opts.log
  }

  async start(): Promise<void> {
    this.offConfig ??= this.opts.bus.on('config_changed', (e) => {
      if (e.changes.some((c) => RESTART_KEYS.has(c.key) || c.key === 'home')) void this.restart()
    })
    await this.open()
  }

  async stop(): Promise<void> {
    this.offConfig?.()
    this.offConfig = undefined
    await this.lifecycle
    await this.close()
  }

  /** Connection settings changed at run time: drop the link and dial again with the new ones. */
  private restart(): Promise<void> {
    this.lifecycle = this.lifecycle.then(async () => {
      this.log.info('home settings changed; reconnecting')
      await this.close()
      await this.open()
    })
    return this.lifecycle
  }

  private async open(): Promise<void> {
    const cfg = this.opts.config()
    this.enabled = cfg.enabled && !!cfg.mqtt_url
    if (!this.enabled) {
      this.log.info('home automation is off', { reason: cfg.enabled ? 'no home.mqtt_url' : 'home.enabled is false' })
      return
    }
    this.base = cfg.base_topic
    this.topics = topicsFor(cfg.base_topic)
    this.loadStored()
    const make = this.opts.link ?? ((o: MqttLinkOptions) => new RealMqttLink(o))
    const link = make({ url: cfg.mqtt_url!, username: cfg.username, password: cfg.password, clientId: cfg.client_id, log: this.log })
    this.link = link
    link.onStatus((status) => this.link === link && this.onLinkStatus(status))
    link.onMessage((topic, payload) => this.link === link && this.onMessage(topic, payload))
    this.unregister = registerHomeTools(this.opts.tools, this)
    await link.connect()
  }

  private async close(): Promise<void> {
    clearTimeout(this.resyncTimer)
    this.unregister?.()
    this.unregister = undefined
    for (const [ieee, w] of this.writes) {
      if (w.timer) {
        clearTimeout(w.timer)
        this.flushState(ieee)
      }
    }
    this.writes.clear()
    const link = this.link
    this.link = undefined
    this.enabled = false
    this.byIeee.clear()
    this.byName.clear()
    this.groups = []
    this.subscribed.clear()
    this.bridge = 'unknown'
    await link?.end()
  }

  // ---- status ---------------------------------------------------------------------------------

  get isEnabled(): boolean {
    return this.enabled
  }

  status(): HomeStatus {
    return {
      enabled: this.enabled,
      broker: this.enabled ? (this.link?.status ?? 'down') : 'disabled',
      bridge: this.bridge,
      devices: this.byIeee.size,
    }
  }

  health(): HealthEntry {
    const s = this.status()
    if (!s.enabled) return { status: 'disabled' }
    const status = s.broker !== 'connected' ? 'down' : s.bridge === 'offline' ? 'degraded' : 'ok'
    return { status, broker: s.broker, bridge: s.bridge, devices: s.devices }
  }

  stats(): Record<string, unknown> {
    return { ...this.counters, devices: this.byIeee.size, groups: this.groups.length }
  }

  // ---- reading --------------------------------------------------------------------------------

  list(opts: { includeHidden?: boolean; room?: string; kind?: string } = {}): DeviceView[] {
    return this.visible(opts.includeHidden)
      .filter((e) => !opts.room || norm(this.roomOf(e) ?? '') === norm(opts.room))
      .filter((e) => !opts.kind || e.model.kinds.includes(opts.kind as DeviceKind))
      .map((e) => this.view(e))
  }

  device(name: string, opts: { includeHidden?: boolean } = {}): StateView {
    return this.stateView(this.find(name, opts.includeHidden))
  }

  states(filter: { device?: string; room?: string; type?: string; includeHidden?: boolean }): StateView[] {
    if (filter.device) return [this.device(filter.device, filter)]
    const entries = filter.room ? this.inRoom(filter.room, filter.includeHidden) : this.visible(filter.includeHidden)
    return entries.filter((e) => !filter.type || e.model.kinds.includes(filter.type as DeviceKind)).map((e) => this.stateView(e))
  }

  rooms(opts: { includeHidden?: boolean } = {}): RoomView[] {
    const rooms = new Map<string, RoomView>()
    for (const g of this.groups) rooms.set(g.friendly_name, { name: g.friendly_name, group: g.friendly_name, devices: [] })
    for (const e of this.visible(opts.includeHidden)) {
      const room = this.roomOf(e)
      if (!room) continue
      if (!rooms.has(room)) rooms.set(room, { name: room, group: null, devices: [] })
      rooms.get(room)!.devices.push(e.name)
    }
    return [...rooms.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** A short static description of the home for the model's system context: rooms, names, kinds. */
  overview(maxChars = 1500): string {
    if (!this.enabled || this.byIeee.size === 0) return ''
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
      if (used + line.length + 1 > maxChars - 40) {
        lines.push(`- … and ${rooms.length - i} more rooms (see home_list_devices)`)
        break
      }
      lines.push(line)
      used += line.length + 1
    }
    return [head, ...lines].join('\n')
  }

  // ---- changing -------------------------------------------------------------------------------

  update(name: string, patch: { room?: string | null; hidden?: boolean }): DeviceView {
    const e = this.find(name, true)
    const clean = { ...patch, room: patch.room === undefined ? undefined : patch.room?.trim() || null }
    this.repo.update(e.ieee, clean)
    if (clean.room !== undefined) e.room = clean.room
    if (clean.hidden !== undefined) e.hidden = clean.hidden
    this.changed('device updated by hand')
    return this.view(e)
  }

  /** One device or a whole room to the given state, checked against each device's exposes. */
  async set(target: { device?: string; room?: string }, command: Record<string, unknown>, opts: { includeHidden?: boolean } = {}): Promise<SetOutcome> {
    const { entries, room } = this.target(target, opts.includeHidden)
    const keys = Object.keys(command).filter((k) => k !== 'transition')
    const skipped: { device: string; reason: string }[] = []
    let chosen = entries
    if (room) {
      chosen = entries.filter((e) => keys.length > 0 && keys.every((k) => e.model.settable.has(k)))
      for (const e of entries) if (!chosen.includes(e)) skipped.push({ device: e.name, reason: `cannot set ${keys.join(', ')}` })
      if (chosen.length === 0) throw new ValidationFailed(`nothing in room ${room} can be set to ${keys.join(', ') || '(nothing)'}`, [{ path: '(state)', message: 'no device in the room takes these properties' }])
    }
    const issues: { path: string; message: string }[] = []
    const payloads = new Map<Entry, Record<string, unknown>>()
    for (const e of chosen) {
      try {
        payloads.set(e, validateCommand({ name: e.name, model: e.model }, command))
      } catch (err) {
        if (err instanceof ValidationFailed) issues.push(...err.issues.map((i) => ({ path: `${e.name}.${i.path}`, message: i.message })))
        else throw err
      }
    }
    if (issues.length) throw new ValidationFailed(issues.map((i) => i.message).join('; '), issues)
    return this.execute(room, payloads, skipped, [])
  }

  /** smart_home_control set_lights: every light of a room, each in its own units. */
  async setLights(req: LightsRequest & { room?: string }): Promise<SetOutcome> {
    checkLightsRequest(req)
    const { entries, room } = req.room ? this.target({ room: req.room }) : { entries: this.visible(false), room: undefined }
    const lights = entries.filter((e) => e.model.lights.length > 0)
    if (lights.length === 0) {
      const withLights = this.rooms().filter((r) => r.devices.some((n) => this.byName.get(n)?.model.lights.length))
      throw new NotFound(`no lights${room ? ` in room ${room}` : ''}; rooms with lights: ${withLights.map((r) => r.name).join(', ') || 'none'}`)
    }
    const payloads = new Map<Entry, Record<string, unknown>>()
    const notes: string[] = []
    const skipped: { device: string; reason: string }[] = []
    for (const e of lights) {
      const plan = planLight(e.name, e.model, req)
      notes.push(...plan.notes)
      if (Object.keys(plan.payload).length === 0) skipped.push({ device: e.name, reason: plan.notes.join('; ') || 'nothing applicable' })
      else payloads.set(e, validateCommand({ name: e.name, model: e.model }, plan.payload))
    }
    if (payloads.size === 0) throw new ValidationFailed(`none of the lights can do that: ${notes.join('; ')}`, [{ path: '(request)', message: notes.join('; ') }])
    return this.execute(room, payloads, skipped, notes)
  }

  /** Asks devices to report (`/get`) what they can report on demand, and waits for the answer. */
  async refresh(name: string): Promise<StateView> {
    const e = this.find(name)
    const props = [...new Set(e.model.gettable.map((f) => f.property))]
    if (props.length === 0) return this.stateView(e)
    this.requireBroker()
    const ask = Object.fromEntries(props.map((p) => [p, '']))
    const wait = this.waitFor(e, ask)
    await this.publish(this.topics.get(e.name), ask)
    await wait
    return this.stateView(e)
  }

  // ---- internals: commands --------------------------------------------------------------------

  private async execute(room: string | undefined, payloads: Map<Entry, Record<string, unknown>>, skipped: SetOutcome['skipped'], notes: string[]): Promise<SetOutcome> {
    this.requireBroker()
    const steps = this.plan(room, payloads)
    const timeoutMs = this.opts.config().confirm_timeout_ms
    const waits = [...payloads].map(([e, { transition: _t, ...p }]) => this.waitFor(e, p, timeoutMs).then((state) => ({ e, state })))
    for (const step of steps) await this.publish(step.topic, step.payload)
    this.counters.commands += steps.length
    const results = await Promise.all(waits)
    const unconfirmed = results.filter((r) => r.state === null).map((r) => r.e.name)
    return {
      room: room ?? null,
      published: steps.map((s) => ({ topic: s.topic, payload: s.payload, devices: s.devices.map((d) => d.name) })),
      confirmed: results.filter((r) => r.state !== null).map((r) => ({ device: r.e.name, state: r.state! })),
      unconfirmed,
      skipped,
      notes,
      message: unconfirmed.length
        ? `${unconfirmed.join(', ')} did not confirm within ${timeoutMs} ms`
        : `${results.length} device${results.length === 1 ? '' : 's'} confirmed`,
    }
  }

  /** The group topic when a whole room that is a Zigbee2MQTT group gets one identical payload. */
  private plan(room: string | undefined, payloads: Map<Entry, Record<string, unknown>>): Step[] {
    const group = room ? this.groups.find((g) => g.friendly_name === room) : undefined
    const entries = [...payloads.keys()]
    const same = new Set([...payloads.values()].map((p) => JSON.stringify(p))).size === 1
    const members = new Set(group?.members.map((m) => m.ieee_address))
    const exact = group && members.size === entries.length && entries.every((e) => members.has(e.ieee))
    if (group && same && exact) return [{ topic: this.topics.set(group.friendly_name), payload: payloads.get(entries[0]!)!, devices: entries }]
    return entries.map((e) => ({ topic: this.topics.set(e.name), payload: payloads.get(e)!, devices: [e] }))
  }

  private waitFor(e: Entry, expect: Record<string, unknown>, timeoutMs = this.opts.config().confirm_timeout_ms): Promise<Record<string, unknown> | null> {
    return new Promise((resolve) => {
      let set = this.waiters.get(e.ieee)
      if (!set) this.waiters.set(e.ieee, (set = new Set()))
      const waiter: Waiter = {
        expect,
        done: (state) => {
          clearTimeout(timer)
          set!.delete(waiter)
          resolve(state)
        },
      }
      const timer = setTimeout(() => {
        set!.delete(waiter)
        resolve(null)
      }, timeoutMs)
      set.add(waiter)
    })
  }

  private requireBroker(): void {
    if (!this.enabled) throw new Unavailable('home automation is off (set home.mqtt_url)')
    if (this.link?.status !== 'connected') throw new Unavailable(`the MQTT broker is unreachable (${this.link?.status ?? 'down'}); nothing was sent`)
    if (this.bridge === 'offline') throw new Unavailable('Zigbee2MQTT is offline (bridge/state); nothing was sent')
  }

  private async publish(topic: string, payload: Record<string, unknown>): Promise<void> {
    try {
      await this.link!.publish(topic, JSON.stringify(payload))
    } catch (err) {
      throw new Unavailable(`the MQTT broker is unreachable: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  private target(t: { device?: string; room?: string }, includeHidden = false): { entries: Entry[]; room?: string } {
    if (t.device && t.room) throw new ValidationFailed('give a device or a room, not both', [{ path: 'device', message: 'device and room both given' }])
    if (t.device) return { entries: [this.find(t.device, includeHidden)] }
    if (t.room) {
      const room = this.roomName(t.room)
      const entries = this.inRoom(room, includeHidden)
      if (entries.length === 0) throw new NotFound(`room ${room} has no devices`)
      return { entries, room }
    }
    throw new ValidationFailed('give a device or a room', [{ path: 'device', message: 'device or room is required' }])
  }

  // ---- internals: lookups ---------------------------------------------------------------------

  private visible(includeHidden = false): Entry[] {
    return [...this.byIeee.values()].filter((e) => includeHidden || !e.hidden).sort((a, b) => a.name.localeCompare(b.name))
  }

  private find(name: string, includeHidden = false): Entry {
    const e = this.byName.get(name) ?? this.byIeee.get(name) ?? [...this.byIeee.values()].find((x) => norm(x.name) === norm(name))
    if (!e || (e.hidden && !includeHidden)) {
      const known = this.visible(includeHidden).slice(0, 30).map((x) => x.name)
      throw new NotFound(`no device "${name}"; devices: ${known.join(', ') || 'none'}`)
    }
    return e
  }

  private roomOf(e: Entry): string | null {
    if (e.room) return e.room
    return this.groups.find((g) => g.members.some((m) => m.ieee_address === e.ieee))?.friendly_name ?? null
  }

  private roomName(input: string): string {
    const all = this.rooms({ includeHidden: true }).map((r) => r.name)
    const hit = all.find((r) => r === input) ?? all.find((r) => norm(r) === norm(input))
    if (!hit) throw new NotFound(`no room "${input}"; rooms: ${all.join(', ') || 'none'}`)
    return hit
  }

  private inRoom(room: string, includeHidden = false): Entry[] {
    const name = this.roomName(room)
    return this.visible(includeHidden).filter((e) => this.roomOf(e) === name)
  }

  private view(e: Entry): DeviceView {
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

  private stateView(e: Entry): StateView {
    return {
      device: e.name,
      room: this.roomOf(e),
      kind: e.model.kind,
      available: e.available,
      stale: !(e.fresh && this.link?.status === 'connected'),
      state: e.state,
      updated_at: e.stateAt ? e.stateAt.toISOString() : null,
    }
  }

  // ---- internals: inbound ---------------------------------------------------------------------

  private loadStored(): void {
    this.groups = this.repo.groups().map((g) => ({ id: g.id, friendly_name: g.friendlyName, members: g.members.map((ieee) => ({ ieee_address: ieee, endpoint: 1 })) }))
    for (const row of this.repo.devices()) {
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

  private put(e: Entry): void {
    this.byIeee.set(e.ieee, e)
    this.byName.set(e.name, e)
  }

  private onLinkStatus(status: LinkStatus): void {
    if (status === 'connected') {
      this.subscribed.clear()
      void this.syncSubscriptions(true)
    } else {
      for (const e of this.byIeee.values()) e.fresh = false
    }
  }

  private async syncSubscriptions(withBridge = false): Promise<void> {
    const link = this.link
    if (!link || link.status !== 'connected') return
    const want = new Set<string>()
    for (const e of this.byIeee.values()) want.add(this.topics.device(e.name)).add(this.topics.availability(e.name))
    const bridge = [this.topics.devices, this.topics.groups, this.topics.state, this.topics.event]
    const add = [...want].filter((t) => !this.subscribed.has(t))
    const drop = [...this.subscribed].filter((t) => !want.has(t) && !bridge.includes(t))
    if (withBridge) add.push(...bridge)
    for (const t of add) this.subscribed.add(t)
    for (const t of drop) this.subscribed.delete(t)
    try {
      await link.unsubscribe(drop)
      await link.subscribe(add)
    } catch (err) {
      this.log.warn('subscribe failed', { error: err })
    }
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    this.counters.messages++
    const t = classifyTopic(this.base, topic)
    const reject = (reason: string) => {
      this.counters.rejected++
      this.log.warn('ignored a bad payload', { topic, reason })
    }
    switch (t.kind) {
      case 'devices': {
        const p = parseDevices(payload)
        if (!p.ok) return reject(p.reason)
        if (p.dropped?.length) this.log.warn('ignored malformed devices', { topic, devices: p.dropped })
        return this.onDevices(p.value)
      }
      case 'groups': {
        const p = parseGroups(payload)
        if (!p.ok) return reject(p.reason)
        this.groups = p.value
        this.repo.syncGroups(p.value)
        return this.changed('groups')
      }
      case 'bridge_state': {
        const p = parseOnline(payload)
        if (!p.ok) return reject(p.reason)
        this.bridge = p.value.state
        return
      }
      case 'event': {
        const p = parseEvent(payload)
        if (!p.ok) return reject(p.reason)
        this.log.info('bridge event', { type: p.value.type, device: p.value.data.friendly_name })
        return this.scheduleResync()
      }
      case 'availability': {
        const e = this.byName.get(t.name)
        if (!e) return
        const p = parseOnline(payload)
        if (!p.ok) return reject(p.reason)
        const available = p.value.state === 'online'
        if (e.available === available) return
        e.available = available
        this.repo.saveAvailability(e.ieee, available)
        return this.opts.bus.emit({ type: 'device_availability', device: e.name, available })
      }
      case 'state': {
        const e = this.byName.get(t.name)
        if (!e) return
        const p = parseState(payload)
        if (!p.ok) return reject(p.reason)
        return this.onState(e, p.value)
      }
    }
  }

  private onDevices(list: Z2mDevice[]): void {
    const usable = list.filter((d) => d.type !== 'Coordinator' && !d.disabled)
    this.repo.syncDevices(usable)
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
        fresh: prev?.fresh && prev.name === d.friendly_name ? true : false,
        available: prev?.available ?? null,
      })
    }
    void this.syncSubscriptions()
    this.changed('devices')
  }

  private onState(e: Entry, payload: Record<string, unknown>): void {
    e.state = { ...e.state, ...payload }
    e.stateAt = new Date()
    e.fresh = true
    this.writeState(e)
    this.opts.bus.emit({ type: 'device_state', device: e.name, state: e.state })
    const waiters = this.waiters.get(e.ieee)
    if (waiters) for (const w of [...waiters]) if (Object.entries(w.expect).every(([k, v]) => k in payload && agrees(v, payload[k]))) w.done(e.state)
  }

  /** At most one write per device per throttle window; a pending write always carries the latest state. */
  private writeState(e: Entry): void {
    const gap = this.opts.writeThrottleMs ?? 250
    const w = this.writes.get(e.ieee) ?? { last: 0 }
    this.writes.set(e.ieee, w)
    if (w.timer) return
    const wait = w.last + gap - Date.now()
    if (wait <= 0) return this.flushState(e.ieee)
    w.timer = setTimeout(() => this.flushState(e.ieee), wait)
  }

  private flushState(ieee: string): void {
    const w = this.writes.get(ieee)
    if (w) {
      w.timer = undefined
      w.last = Date.now()
    }
    const e = this.byIeee.get(ieee)
    if (!e) return
    this.repo.saveState(ieee, e.state, e.stateAt ?? new Date())
    this.counters.state_writes++
  }

  /** After a join/leave/interview, fetch the retained lists again (re-subscribing replays them). */
  private scheduleResync(): void {
    clearTimeout(this.resyncTimer)
    this.resyncTimer = setTimeout(() => {
      const link = this.link
      if (!link || link.status !== 'connected') return
      const lists = [this.topics.devices, this.topics.groups]
      void link.unsubscribe(lists).then(() => link.subscribe(lists)).catch((err) => this.log.warn('resync failed', { error: err }))
    }, 100)
    this.changed('bridge event')
  }

  private changed(reason: string): void {
    this.opts.bus.emit({ type: 'devices_changed', reason })
    if (this.unregister) this.unregister = registerHomeTools(this.opts.tools, this, this.unregister)
  }
}
