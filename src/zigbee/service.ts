import type { HearthConfig } from '../core/config'
import { NotFound, Unavailable, ValidationFailed } from '../core/errors'
import type { EventBus } from '../core/events'
import type { HealthEntry } from '../core/health'
import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import type { ToolRegistry } from '../mcp/types'
import { Confirmations } from './confirm'
import { DeviceStore, type Entry } from './device-store'
import { checkLightsRequest, planLight, type LightsRequest } from './lights'
import { RealMqttLink, type LinkStatus, type MqttLink, type MqttLinkOptions } from './link'
import { ZigbeeRepo } from './repo'
import { registerHomeTools } from './tools'
import { classifyTopic, parseDevices, parseEvent, parseGroups, parseOnline, parseState, topicsFor, type Topics } from './topics'
import type { DeviceView, HomeStatus, RoomView, SetOutcome, StateView } from './types'
import { validateCommand } from './validate'

export type ZigbeeServiceOptions = {
  config: () => HearthConfig['home']
  db: Db
  bus: EventBus
  log: Logger
  tools: ToolRegistry
  /** Swappable for tests; the real link dials the `mqtt` package. */
  link?: (opts: MqttLinkOptions) => MqttLink
  /** Smallest gap between two state writes of one device; the last value always lands. */
  writeThrottleMs?: number
}

type Step = { topic: string; payload: Record<string, unknown>; devices: Entry[] }

/** Settings whose change needs a new connection (confirm_timeout_ms is read per call). */
const RESTART_KEYS = new Set(['home', 'home.enabled', 'home.mqtt_url', 'home.base_topic', 'home.username', 'home.password', 'home.client_id'])

/**
 * Zigbee devices from Zigbee2MQTT: learns them from the retained bridge topics, keeps their state
 * (memory + SQLite), turns tool calls into `/set` messages and waits for the devices to confirm.
 * A broker that is away never blocks: start() returns at once and the last known state is served,
 * marked stale.
 */
export class ZigbeeService {
  private link?: MqttLink
  private store: DeviceStore
  private bridge: 'online' | 'offline' | 'unknown' = 'unknown'
  private topics!: Topics
  private base = ''
  private subscribed = new Set<string>()
  private confirmations = new Confirmations()
  private resyncTimer?: ReturnType<typeof setTimeout>
  private unregister?: () => void
  private offConfig?: () => void
  private lifecycle: Promise<void> = Promise.resolve()
  private enabled = false
  private counters = { messages: 0, rejected: 0, commands: 0 }
  private log: Logger

  constructor(private opts: ZigbeeServiceOptions) {
    this.store = new DeviceStore({ repo: new ZigbeeRepo(opts.db), bus: opts.bus, writeThrottleMs: opts.writeThrottleMs ?? 250 })
    this.log = opts.log
  }

  async start(): Promise<void> {
    this.offConfig ??= this.opts.bus.on('config_changed', (e) => {
      if (e.changes.some((c) => RESTART_KEYS.has(c.key))) void this.restart()
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
    this.store.load()
    const make = this.opts.link ?? ((o: MqttLinkOptions) => new RealMqttLink(o))
    const link = make({ url: cfg.mqtt_url!, username: cfg.username, password: cfg.password, clientId: cfg.client_id, log: this.log })
    this.link = link
    // A link replaced by a restart may still deliver a late message; only the current one counts.
    link.onStatus((status) => this.link === link && this.onLinkStatus(status))
    link.onMessage((topic, payload) => this.link === link && this.onMessage(topic, payload))
    this.unregister = registerHomeTools(this.opts.tools, this)
    await link.connect()
  }

  private async close(): Promise<void> {
    clearTimeout(this.resyncTimer)
    this.unregister?.()
    this.unregister = undefined
    const link = this.link
    this.link = undefined
    this.enabled = false
    this.store.clear()
    this.subscribed.clear()
    this.bridge = 'unknown'
    await link?.end()
  }

  // ---- status ---------------------------------------------------------------------------------

  get isEnabled(): boolean {
    return this.enabled
  }

  status(): HomeStatus {
    return { enabled: this.enabled, broker: this.enabled ? (this.link?.status ?? 'down') : 'disabled', bridge: this.bridge, devices: this.store.size }
  }

  health(): HealthEntry {
    const s = this.status()
    if (!s.enabled) return { status: 'disabled' }
    const status = s.broker !== 'connected' ? 'down' : s.bridge === 'offline' ? 'degraded' : 'ok'
    const error = this.link?.error
    return { status, broker: s.broker, bridge: s.bridge, devices: s.devices, ...(error && s.broker !== 'connected' ? { error } : {}) }
  }

  stats(): Record<string, unknown> {
    return { ...this.counters, state_writes: this.store.writeCount, devices: this.store.size, groups: this.store.groups.length }
  }

  // ---- reading --------------------------------------------------------------------------------

  list(opts: { includeHidden?: boolean; room?: string; kind?: string } = {}): DeviceView[] {
    const entries = opts.room ? this.store.inRoom(opts.room, opts.includeHidden) : this.store.visible(opts.includeHidden)
    return this.store.ofKind(entries, opts.kind).map((e) => this.store.view(e))
  }

  device(name: string, opts: { includeHidden?: boolean } = {}): StateView {
    return this.store.stateView(this.store.find(name, opts.includeHidden), this.live)
  }

  /** Everything about one device, hidden or not: what it is, what it takes, its state. */
  detail(name: string): DeviceView & StateView {
    const e = this.store.find(name, true)
    return { ...this.store.view(e), ...this.store.stateView(e, this.live) }
  }

  states(filter: { device?: string; room?: string; type?: string; includeHidden?: boolean }): StateView[] {
    if (filter.device) return [this.device(filter.device, filter)]
    const entries = filter.room ? this.store.inRoom(filter.room, filter.includeHidden) : this.store.visible(filter.includeHidden)
    return this.store.ofKind(entries, filter.type).map((e) => this.store.stateView(e, this.live))
  }

  rooms(opts: { includeHidden?: boolean } = {}): RoomView[] {
    return this.store.rooms(opts.includeHidden)
  }

  /** A short static description of the home for the model's system context: rooms, names, kinds. */
  overview(maxChars = 1500): string {
    return this.enabled ? this.store.overview(maxChars) : ''
  }

  // ---- changing -------------------------------------------------------------------------------

  update(name: string, patch: { room?: string | null; hidden?: boolean }): DeviceView {
    const e = this.store.find(name, true)
    this.store.update(e, { ...patch, room: patch.room === undefined ? undefined : patch.room?.trim() || null })
    this.changed('device updated by hand')
    return this.store.view(e)
  }

  /** One device or a whole room to the given state, checked against each device's exposes. */
  async set(target: { device?: string; room?: string }, command: Record<string, unknown>, opts: { includeHidden?: boolean } = {}): Promise<SetOutcome> {
    const { entries, room } = this.target(target, opts.includeHidden)
    const keys = Object.keys(command).filter((k) => k !== 'transition')
    const skipped: SetOutcome['skipped'] = []
    let chosen = entries
    if (room) {
      // A room-wide command goes to the devices that take it; the rest are named, not failed.
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
        if (!(err instanceof ValidationFailed)) throw err
        issues.push(...err.issues.map((i) => ({ path: `${e.name}.${i.path}`, message: i.message })))
      }
    }
    if (issues.length) throw new ValidationFailed(issues.map((i) => i.message).join('; '), issues)
    return this.execute(room, payloads, skipped, [])
  }

  /** smart_home_control set_lights: every light of a room, each in its own units. */
  async setLights(req: LightsRequest & { room?: string }): Promise<SetOutcome> {
    checkLightsRequest(req)
    const { entries, room } = req.room ? this.target({ room: req.room }) : { entries: this.store.visible(), room: undefined }
    const lights = entries.filter((e) => e.model.lights.length > 0)
    if (lights.length === 0) {
      const withLights = this.store.rooms().filter((r) => r.devices.some((n) => this.store.byTopicName(n)?.model.lights.length))
      throw new NotFound(`no lights${room ? ` in room ${room}` : ''}; rooms with lights: ${withLights.map((r) => r.name).join(', ') || 'none'}`)
    }
    const payloads = new Map<Entry, Record<string, unknown>>()
    const notes: string[] = []
    const skipped: SetOutcome['skipped'] = []
    for (const e of lights) {
      const plan = planLight(e.name, e.model, req)
      notes.push(...plan.notes)
      if (Object.keys(plan.payload).length === 0) skipped.push({ device: e.name, reason: plan.notes.join('; ') || 'nothing applicable' })
      else payloads.set(e, validateCommand({ name: e.name, model: e.model }, plan.payload))
    }
    if (payloads.size === 0) throw new ValidationFailed(`none of the lights can do that: ${notes.join('; ')}`, [{ path: '(request)', message: notes.join('; ') }])
    return this.execute(room, payloads, skipped, notes)
  }

  /** Asks a device to report (`/get`) what it can report on demand, and waits for the answer. */
  async refresh(name: string): Promise<StateView> {
    const e = this.store.find(name)
    const props = [...new Set(e.model.gettable.map((f) => f.property))]
    if (props.length === 0) return this.store.stateView(e, this.live)
    this.requireBroker()
    const ask = Object.fromEntries(props.map((p) => [p, '']))
    const wait = this.confirmations.wait(e.ieee, ask, this.opts.config().confirm_timeout_ms)
    await this.publish(this.topics.get(e.name), ask)
    await wait
    return this.store.stateView(e, this.live)
  }

  // ---- internals: commands --------------------------------------------------------------------

  private get connected(): boolean {
    return this.link?.status === 'connected'
  }

  /** State is live only while both the broker and Zigbee2MQTT are up; otherwise it is served stale. */
  private get live(): boolean {
    return this.connected && this.bridge !== 'offline'
  }

  private async execute(room: string | undefined, payloads: Map<Entry, Record<string, unknown>>, skipped: SetOutcome['skipped'], notes: string[]): Promise<SetOutcome> {
    this.requireBroker()
    const steps = this.plan(room, payloads)
    const timeoutMs = this.opts.config().confirm_timeout_ms
    // Waiters go in before the first publish: a fast device may answer before publish() resolves.
    const waits = [...payloads].map(([e, { transition: _t, ...p }]) => this.confirmations.wait(e.ieee, p, timeoutMs).then((state) => ({ e, state })))
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
      message: unconfirmed.length ? `${unconfirmed.join(', ')} did not confirm within ${timeoutMs} ms` : `${results.length} device${results.length === 1 ? '' : 's'} confirmed`,
    }
  }

  /** The group topic when a whole room that is a Zigbee2MQTT group gets one identical payload. */
  private plan(room: string | undefined, payloads: Map<Entry, Record<string, unknown>>): Step[] {
    const group = room ? this.store.groups.find((g) => g.friendly_name === room) : undefined
    const entries = [...payloads.keys()]
    const same = new Set([...payloads.values()].map((p) => JSON.stringify(p))).size === 1
    const members = new Set(group?.members.map((m) => m.ieee_address))
    const exact = group && members.size === entries.length && entries.every((e) => members.has(e.ieee))
    if (group && same && exact) return [{ topic: this.topics.set(group.friendly_name), payload: payloads.get(entries[0]!)!, devices: entries }]
    return entries.map((e) => ({ topic: this.topics.set(e.name), payload: payloads.get(e)!, devices: [e] }))
  }

  private requireBroker(): void {
    if (!this.enabled) throw new Unavailable('home automation is off (set home.mqtt_url)')
    if (!this.connected) throw new Unavailable(`the MQTT broker is unreachable (${this.link?.status ?? 'down'}); nothing was sent`)
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
    // Nothing learnt yet: the broker is the problem to report, not the unknown name.
    if (this.store.size === 0) this.requireBroker()
    if (t.device && t.room) throw new ValidationFailed('give a device or a room, not both', [{ path: 'device', message: 'device and room both given' }])
    if (t.device) return { entries: [this.store.find(t.device, includeHidden)] }
    if (!t.room) throw new ValidationFailed('give a device or a room', [{ path: 'device', message: 'device or room is required' }])
    const room = this.store.roomName(t.room)
    const entries = this.store.inRoom(room, includeHidden)
    if (entries.length === 0) throw new NotFound(`room ${room} has no devices`)
    return { entries, room }
  }

  // ---- internals: inbound ---------------------------------------------------------------------

  private onLinkStatus(status: LinkStatus): void {
    if (status === 'connected') {
      this.subscribed.clear()
      void this.syncSubscriptions(true)
    } else {
      this.store.markAllStale()
    }
  }

  /** Every known device's state and availability topic, plus the bridge topics once per connection. */
  private async syncSubscriptions(withBridge = false): Promise<void> {
    const link = this.link
    if (!link || link.status !== 'connected') return
    const want = new Set<string>()
    for (const e of this.store.all()) want.add(this.topics.device(e.name)).add(this.topics.availability(e.name))
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
        this.store.replaceDevices(p.value)
        void this.syncSubscriptions()
        return this.changed('devices')
      }
      case 'groups': {
        const p = parseGroups(payload)
        if (!p.ok) return reject(p.reason)
        if (p.dropped?.length) this.log.warn('ignored malformed groups', { topic, groups: p.dropped })
        this.store.replaceGroups(p.value)
        return this.changed('groups')
      }
      case 'bridge_state': {
        const p = parseOnline(payload)
        if (!p.ok) return reject(p.reason)
        if (p.value.state !== this.bridge) this.log.info(`zigbee2mqtt ${p.value.state}`)
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
        const e = this.store.byTopicName(t.name)
        if (!e) return
        const p = parseOnline(payload)
        if (!p.ok) return reject(p.reason)
        return this.store.applyAvailability(e, p.value.state === 'online')
      }
      case 'state': {
        const e = this.store.byTopicName(t.name)
        if (!e) return
        const p = parseState(payload)
        if (!p.ok) return reject(p.reason)
        this.store.applyState(e, p.value)
        this.confirmations.report(e.ieee, p.value, e.state)
        return
      }
    }
  }

  /** After a join/leave/interview, fetch the retained lists again (re-subscribing replays them). */
  private scheduleResync(): void {
    clearTimeout(this.resyncTimer)
    this.resyncTimer = setTimeout(() => {
      const link = this.link
      if (!link || link.status !== 'connected') return
      const lists = [this.topics.devices, this.topics.groups]
      void link
        .unsubscribe(lists)
        .then(() => link.subscribe(lists))
        .catch((err) => this.log.warn('resync failed', { error: err }))
    }, 100)
    this.changed('bridge event')
  }

  private changed(reason: string): void {
    this.opts.bus.emit({ type: 'devices_changed', reason })
    if (this.unregister) this.unregister = registerHomeTools(this.opts.tools, this, this.unregister)
  }
}
