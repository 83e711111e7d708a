import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { WsClient } from './ws-client'

let hub: TestHub
const open: WsClient[] = []
const client = async (token: string | null = ADMIN_TOKEN) => {
  const c = await WsClient.open(hub.url, token)
  open.push(c)
  return c
}

beforeAll(async () => {
  hub = await startTestHub({ yaml: 'auth: { max_frame_bytes: 4096, max_message_chars: 500 }\n' })
})
afterAll(async () => {
  for (const c of open) c.close()
  await hub.close()
})

describe('ws /ws/chat: authentication', () => {
  test('an upgrade without a token is refused with 401', async () => {
    const res = await fetch(`${hub.url}/ws/chat`, { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
    expect(res.status).toBe(401)
  })
  test('an Authorization: Bearer header opens the socket too; a wrong token does not', async () => {
    const c = await WsClient.open(hub.url, null, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    open.push(c)
    expect(await c.request({ action: 'ping', request_id: 'hdr' })).toMatchObject({ status: 'pong' })
    await expect(WsClient.open(hub.url, 'hth_wrong')).rejects.toThrow()
  })
  test('?token= opens the socket and ping answers pong with the request id', async () => {
    const c = await client()
    expect(await c.request({ action: 'ping', request_id: 'p1' })).toEqual({ request_id: 'p1', status: 'pong' })
  })
})

describe('ws /ws/chat: bad frames get bad_request and the socket stays open', () => {
  const cases: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"action": "chat", ', /malformed JSON/],
    ['not an object', '[1,2]', /JSON object/],
    ['unknown action', { action: 'dance', request_id: 'x' }, /unknown action "dance"/],
    ['wrong types', { action: 'chat', request_id: 'x', text: 42 }, /text/],
    ['missing field', { action: 'history', request_id: 'x' }, /conversation_id/],
    ['oversized frame', { action: 'chat', request_id: 'x', text: 'a'.repeat(5000) }, /max_frame_bytes/],
    ['overlong text', { action: 'chat', request_id: 'x', text: 'a'.repeat(600) }, /max_message_chars/],
    ['unknown compat type', { type: 'shout' }, /unknown message type/],
  ]
  for (const [name, frame, message] of cases) {
    test(name, async () => {
      const c = await client()
      const from = c.frames.length
      c.send(frame)
      const reply = await c.next((f) => f.status === 'error', 3000, from)
      expect(reply.error.code).toBe('bad_request')
      expect(reply.error.message).toMatch(message)
      // Still open and answering.
      expect(await c.request({ action: 'ping', request_id: 'after' })).toMatchObject({ status: 'pong' })
      expect(c.closed).toBeNull()
    })
  }
})

describe('ws /ws/chat: without a provider', () => {
  test('a chat answers provider_unavailable with how to add one, and the question is kept', async () => {
    const c = await client()
    const end = await c.request({ action: 'chat', request_id: 'np', text: 'hello?' })
    expect(end.status).toBe('error')
    expect(end.error.code).toBe('provider_unavailable')
    expect(end.error.message).toContain('providers:')
    const started = c.of('np').find((f) => f.status === 'started')!
    const hist = await c.request({ action: 'history', request_id: 'h', conversation_id: started.conversation_id })
    expect(hist.messages.map((m: any) => [m.role, m.content, m.status])).toEqual([
      ['user', 'hello?', 'complete'],
      ['assistant', '', 'error'],
    ])
  })
})

describe('ws /ws/chat: subscriptions, history and events', () => {
  test('subscribe to an unknown conversation is not_found; to a topic gets config events', async () => {
    const c = await client()
    expect((await c.request({ action: 'subscribe', request_id: 's1', conversation_id: 'nope' })).error.code).toBe('not_found')
    expect(await c.request({ action: 'subscribe', request_id: 's2', topic: 'config' })).toMatchObject({ status: 'subscribed', topic: 'config' })
    const res = await hub.api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'chat.max_tool_hops': 3 } }) })
    expect(res.status).toBe(200)
    const ev = await c.next((f) => f.status === 'event')
    expect(ev.event.type).toBe('config_changed')
    expect(ev.event.changes[0]).toMatchObject({ key: 'chat.max_tool_hops', to: 3 })
  })
  test('device events reach only the devices topic', async () => {
    const a = await client()
    const b = await client()
    await a.request({ action: 'subscribe', request_id: 's', topic: 'devices' })
    hub.services.bus.emit({ type: 'device_state', device: 'lamp', state: { state: 'ON' } })
    expect((await a.next((f) => f.status === 'event')).event).toEqual({ type: 'device_state', device: 'lamp', state: { state: 'ON' } })
    await b.request({ action: 'ping', request_id: 'p' })
    expect(b.frames.some((f) => f.status === 'event')).toBe(false)
  })
  test('history pages backwards with limit and before', async () => {
    const c = await client()
    const first = await c.request({ action: 'chat', request_id: 'q0', text: 'q0' })
    const conv = first.conversation_id
    for (const q of ['q1', 'q2']) await c.request({ action: 'chat', request_id: q, text: q, conversation_id: conv })
    const page1 = (await c.request({ action: 'history', request_id: 'p1', conversation_id: conv, limit: 2 })).messages
    expect(page1.map((m: any) => [m.role, m.content])).toEqual([['user', 'q2'], ['assistant', '']])
    const page2 = (await c.request({ action: 'history', request_id: 'p2', conversation_id: conv, limit: 3, before: page1[0].id })).messages
    expect(page2.map((m: any) => m.content)).toEqual(['', 'q1', ''])
  })
  test('clear_history returns a fresh conversation id', async () => {
    const c = await client()
    const r = await c.request({ action: 'clear_history', request_id: 'c' })
    expect(r.status).toBe('cleared')
    expect(r.conversation_id).toMatch(/^c_/)
    const hist = await c.request({ action: 'history', request_id: 'h', conversation_id: r.conversation_id })
    expect(hist.messages).toEqual([])
  })
  test('cancel with nothing running is not_found', async () => {
    const c = await client()
    expect((await c.request({ action: 'cancel', request_id: 'zz' })).error.code).toBe('not_found')
  })
})
