import mqtt from 'mqtt'
import { ADMIN_TOKEN, startTestHub } from '../tests/helpers/hub'
import { mcpClient } from '../tests/helpers/mcp'
import { startMosquitto } from '../tests/helpers/mosquitto'
import { generatedHome, standardHome, Z2mSimulator } from '../tests/fakes/z2m-simulator'
import { percentile, type Bench, type BenchRow } from './types'

const ctx = () => ({ signal: new AbortController().signal, actor: 'bench', surface: 'rest' as const })
// The per-token tool-call limit would throttle the /mcp loop: a bench measures, it does not police.
const yaml = (url: string) => `auth:\n  tool_calls_per_minute: 1000000\nhome:\n  mqtt_url: ${url}\n  confirm_timeout_ms: 2000\n`

async function until(fn: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out')
    await Bun.sleep(2)
  }
}

/**
 * Home control against real mosquitto + the Zigbee2MQTT simulator: a tool call's round trip
 * (validate → `/set` published → the device's confirmed state back), and how long a hub takes to
 * learn a 200-device network from the retained bridge topics.
 */
const bench: Bench = {
  name: 'zigbee',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const broker = await startMosquitto()
    try {
      const sim = new Z2mSimulator(broker.url, standardHome())
      await sim.start()
      const hub = await startTestHub({ yaml: yaml(broker.url) })
      try {
        await until(() => hub.services.zigbee.list().length === 8 && hub.services.zigbee.states({}).every((s) => !s.stale), 5000)
        // A second client on the broker notes when each command is really out there.
        const spy = await mqtt.connectAsync(broker.url)
        let seenAt = 0
        spy.on('message', () => (seenAt = performance.now()))
        await spy.subscribeAsync('zigbee2mqtt/kitchen_plug/set')
        const times: number[] = []
        const published: number[] = []
        for (let i = 0; i < 320; i++) {
          seenAt = 0
          const t0 = performance.now()
          const r = await hub.services.tools.call('home_set_state', { device: 'kitchen_plug', state: { state: i % 2 ? 'OFF' : 'ON' } }, ctx())
          if (r.isError) throw new Error('set failed')
          const t1 = performance.now()
          if (i >= 20) times.push(t1 - t0)
          await until(() => seenAt > 0, 1000)
          if (i >= 20) published.push(seenAt - t0)
        }
        await spy.endAsync()
        times.sort((a, b) => a - b)
        published.sort((a, b) => a - b)
        rows.push({ measure: 'tool call → /set seen on the broker, p50', value: percentile(published, 50), unit: 'ms', note: `p99 ${percentile(published, 99).toFixed(2)} ms` })
        rows.push({ measure: 'home_set_state round trip (tool → /set → confirmed), p50', value: percentile(times, 50), unit: 'ms' })
        rows.push({ measure: 'home_set_state round trip, p99', value: percentile(times, 99), unit: 'ms', note: `${times.length} calls, one plug` })
        const room: number[] = []
        for (let i = 0; i < 100; i++) {
          const t0 = performance.now()
          await hub.services.tools.call('smart_home_control', { action: 'set_lights', room: 'living_room', brightness: 20 + (i % 2) * 50 }, ctx())
          room.push(performance.now() - t0)
        }
        room.sort((a, b) => a - b)
        rows.push({ measure: 'smart_home_control room of 3 lights (group topic), p50', value: percentile(room, 50), unit: 'ms', note: `p99 ${percentile(room, 99).toFixed(2)} ms` })

        // The same round trip the way an outside MCP client makes it: tools/call over /mcp.
        const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
        const viaMcp: number[] = []
        for (let i = 0; i < 220; i++) {
          const t0 = performance.now()
          const r = await client.callTool({ name: 'home_set_state', arguments: { device: 'kitchen_plug', state: { state: i % 2 ? 'OFF' : 'ON' } } })
          if (r.isError) throw new Error('set over /mcp failed')
          if (i >= 20) viaMcp.push(performance.now() - t0)
        }
        await client.close()
        viaMcp.sort((a, b) => a - b)
        rows.push({ measure: 'home_set_state over /mcp (HTTP) → confirmed, p50', value: percentile(viaMcp, 50), unit: 'ms', note: `p99 ${percentile(viaMcp, 99).toFixed(2)} ms` })
      } finally {
        await hub.close()
        await sim.stop()
      }

      const big = new Z2mSimulator(broker.url, generatedHome(200), 'bench200')
      await big.start()
      try {
        const t0 = performance.now()
        const hub2 = await startTestHub({ yaml: yaml(broker.url) + '  base_topic: bench200\n' })
        try {
          const started = performance.now() - t0
          await until(() => hub2.services.zigbee.status().devices === 200, 10_000)
          const listed = performance.now() - t0
          await until(() => hub2.services.zigbee.states({}).every((s) => !s.stale), 10_000)
          const all = performance.now() - t0
          rows.push({ measure: 'discovery of 200 devices: hub start returned', value: started, unit: 'ms' })
          rows.push({ measure: 'discovery of 200 devices: all listed (bridge/devices)', value: listed, unit: 'ms' })
          rows.push({ measure: 'discovery of 200 devices: every state fresh', value: all, unit: 'ms', note: `${hub2.services.tools.list().filter((t) => t.source === 'home').length} home tools` })
        } finally {
          await hub2.close()
        }
      } finally {
        await big.stop()
      }
    } finally {
      await broker.close()
    }
    return rows
  },
}

export default bench
