import mqtt, { type MqttClient } from 'mqtt'
import type { ToolResult } from '../../src/mcp/types'
import { startTestHub, type TestHub } from '../helpers/hub'
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto'
import { standardHome, Z2mSimulator } from '../fakes/z2m-simulator'

/** A raw client on `#`: what really went over the broker. */
export class BrokerSpy {
  readonly messages: { topic: string; payload: string }[] = []
  private constructor(private client: MqttClient) {}

  static async start(url: string): Promise<BrokerSpy> {
    const client = await mqtt.connectAsync(url, { clientId: `spy-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 100 })
    const spy = new BrokerSpy(client)
    client.on('message', (topic, payload) => spy.messages.push({ topic, payload: payload.toString() }))
    await client.subscribeAsync('#')
    return spy
  }

  /** Commands (`/set`, `/get`) seen since `mark`. */
  commands(mark = 0): { topic: string; payload: unknown }[] {
    return this.messages
      .slice(mark)
      .filter((m) => /\/(set|get)$/.test(m.topic))
      .map((m) => ({ topic: m.topic, payload: JSON.parse(m.payload) }))
  }

  get mark(): number {
    return this.messages.length
  }

  close(): Promise<void> {
    return this.client.endAsync(true)
  }
}

export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(20)
  }
}

/** A quiet moment on the broker, so "nothing was published" is asserted after the fact. */
export const settle = (ms = 150) => Bun.sleep(ms)

export type Home = {
  broker: Mosquitto
  sim: Z2mSimulator
  hub: TestHub
  spy: BrokerSpy
  call(name: string, args: Record<string, unknown>): Promise<ToolResult & { json: Record<string, any> }>
  close(): Promise<void>
}

export const homeYaml = (url: string, extra = '') => `home:\n  mqtt_url: ${url}\n  confirm_timeout_ms: 1000\n${extra}`

export async function callTool(hub: TestHub, name: string, args: Record<string, unknown>) {
  const result = await hub.services.tools.call(name, args, { signal: new AbortController().signal, actor: 'test', surface: 'rest' })
  const text = result.content[0]?.type === 'text' ? result.content[0].text : ''
  let json: Record<string, any> = {}
  try {
    json = JSON.parse(text)
  } catch {
    json = { text }
  }
  return { ...result, json }
}

/** mosquitto + the simulator + a hub pointed at them, with discovery finished. */
export async function startHome(): Promise<Home> {
  const broker = await startMosquitto()
  const sim = new Z2mSimulator(broker.url, standardHome())
  await sim.start()
  const spy = await BrokerSpy.start(broker.url)
  const hub = await startTestHub({ yaml: homeYaml(broker.url) })
  await until(() => hub.services.zigbee.list().length === sim.devices.size && hub.services.zigbee.states({}).every((s) => !s.stale), 'discovery')
  return {
    broker,
    sim,
    hub,
    spy,
    call: (name, args) => callTool(hub, name, args),
    async close() {
      // Every step runs even if one fails: a leaked mosquitto outlives the test run.
      const steps = [() => hub.close(), () => spy.close(), () => sim.stop(), () => broker.close()]
      const failed = (await Promise.allSettled(steps.map((s) => s()))).find((r) => r.status === 'rejected')
      if (failed) throw (failed as PromiseRejectedResult).reason
    },
  }
}
