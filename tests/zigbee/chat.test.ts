import { afterAll, beforeAll, expect, test } from 'bun:test'
import { WsClient } from '../chat/ws-client'
import type { FakeServer } from '../fakes/fake-server'
import { startOpenAIFake } from '../fakes/openai-server'
import { standardHome, Z2mSimulator } from '../fakes/z2m-simulator'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto'
import { BrokerSpy, homeYaml, until } from './home'

let broker: Mosquitto
let sim: Z2mSimulator
let spy: BrokerSpy
let openai: FakeServer
let hub: TestHub
let ws: WsClient

beforeAll(async () => {
  broker = await startMosquitto()
  sim = new Z2mSimulator(broker.url, standardHome())
  await sim.start()
  spy = await BrokerSpy.start(broker.url)
  openai = startOpenAIFake()
  const providers = `providers:\n  oa: { kind: openai, base_url: "${openai.url}/v1", api_key: test-key, model: gpt-fake, max_retries: 0 }\nchat: { provider: oa }\n`
  hub = await startTestHub({ yaml: homeYaml(broker.url) + providers })
  await until(() => hub.services.zigbee.list().length === 8 && hub.services.zigbee.states({}).every((s) => !s.stale), 'discovery')
  ws = await WsClient.open(hub.url, ADMIN_TOKEN)
})
afterAll(async () => {
  ws?.ws.close()
  for (const step of [() => hub?.close(), () => openai?.stop(), () => spy?.close(), () => sim?.stop(), () => broker?.close()]) {
    await Promise.resolve().then(step).catch(() => {})
  }
})

test('a chat turn: "dim the living room lights to 30 %" becomes the right /set on the broker (issue #6)', async () => {
  await ws.request({ action: 'subscribe', request_id: 'sub', topic: 'devices' })
  openai.queue(
    { toolCalls: [{ id: 'call_1', name: 'smart_home_control', args: { action: 'set_lights', room: 'living_room', brightness: 30 } }] },
    { text: ['The living room lights are at 30 %.'] },
  )
  const mark = spy.mark
  const end = await ws.request({ action: 'chat', request_id: 'r1', text: 'Dim the living room lights to 30 %' })
  expect(end.status).toBe('complete')

  // what went over the broker: one group command, each light's own range (0-254 → 76)
  expect(spy.commands(mark)).toEqual([{ topic: 'zigbee2mqtt/living_room/set', payload: { brightness: 76 } }])
  const done = ws.frames.find((f) => f.request_id === 'r1' && f.status === 'tool_execution' && f.tool.status === 'completed')!
  expect(done.tool.name).toBe('smart_home_control')
  expect(JSON.stringify(done.tool.result)).toContain('"brightness":76')

  // the model was offered the home tools, saw the home overview, and got the confirmed state back
  const [first, second] = openai.requests.filter((r) => r.path === '/v1/chat/completions').slice(-2).map((r) => r.body)
  expect(first.tools.map((t: any) => t.function.name)).toEqual(expect.arrayContaining(['home_list_devices', 'home_get_state', 'home_set_state', 'smart_home_control']))
  expect(JSON.stringify(first.messages[0])).toContain('living_room: living_room_ceiling (light), living_room_floor (light), living_room_lamp (light)')
  expect(JSON.stringify(second.messages)).toContain('3 devices confirmed')

  // subscribers of "devices" saw the lights change live
  const event = await ws.next((f) => f.status === 'event' && f.event.type === 'device_state' && f.event.device === 'living_room_floor' && f.event.state.brightness === 76)
  expect(event.event.state.state).toBe('ON')
})
