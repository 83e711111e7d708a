import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

/** The guard on a real WebSocket upgrade of the hub's own /ws/chat. */
describe('WebSocket upgrade through the guard (issue #7)', () => {
  let hub: TestHub
  let port: number
  let url: string
  let chatToken: string
  let toolsToken: string

  beforeAll(async () => {
    hub = await startTestHub({ yaml: 'auth:\n  ws_connections_per_address: 3\n' })
    const make = async (name: string, scopes: string[]) =>
      ((await (await hub.api('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name, scopes }) })).json()) as { token: string }).token
    chatToken = await make('phone', ['chat'])
    toolsToken = await make('script', ['tools:list', 'tools:call'])
    port = Number(new URL(hub.url).port)
    url = `ws://127.0.0.1:${port}/ws/chat`
  })
  afterAll(async () => {
    await hub?.close()
  })

  /** Opens a socket; resolves with its first message, or the close/error that refused it. */
  function connect(target: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first?: unknown; refused?: string }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(target, { headers } as unknown as string[])
      // An accepted socket answers a ping; a refused one closes or errors first.
      ws.onopen = () => ws.send(JSON.stringify({ action: 'ping', request_id: 'p' }))
      ws.onmessage = (e) => resolve({ ws, first: JSON.parse(String(e.data)) })
      ws.onerror = () => resolve({ ws, refused: 'error' })
      ws.onclose = (e) => resolve({ ws, refused: `close ${e.code}` })
    })
  }

  test('no token, a wrong token or a token without chat: the upgrade is refused', async () => {
    expect((await connect(url)).refused).toBeDefined()
    expect((await connect(`${url}?token=hth_wrong`)).refused).toBeDefined()
    expect((await connect(url, { authorization: `Bearer ${toolsToken}` })).refused).toBeDefined()
    const plain = await fetch(url.replace('ws:', 'http:'), { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } })
    expect(plain.status).toBe(401)
  })

  test('?token= (browsers) and the Authorization header both open it', async () => {
    const q = await connect(`${url}?token=${chatToken}`)
    expect(q.first).toMatchObject({ request_id: 'p', status: 'pong' })
    const h = await connect(url, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(h.first).toMatchObject({ request_id: 'p', status: 'pong' })
    q.ws.close()
    h.ws.close()
  })

  test('a foreign Host or Origin is refused (DNS rebinding), the own origin passes', async () => {
    expect((await connect(`${url}?token=${chatToken}`, { host: 'evil.example' })).refused).toBeDefined()
    expect((await connect(`${url}?token=${chatToken}`, { origin: 'http://evil.example' })).refused).toBeDefined()
    const own = await connect(`${url}?token=${chatToken}`, { origin: `http://127.0.0.1:${port}` })
    expect(own.first).toMatchObject({ status: 'pong' })
    own.ws.close()
  })

  test('connections per address are capped; closing one frees its slot', async () => {
    await Bun.sleep(50) // earlier sockets' close handlers have run
    const open = [await connect(`${url}?token=${chatToken}`), await connect(`${url}?token=${chatToken}`), await connect(`${url}?token=${chatToken}`)]
    expect(open.every((o) => o.first)).toBe(true)
    const fourth = await connect(`${url}?token=${chatToken}`)
    expect(fourth.refused).toBe('close 1013')
    open[0]!.ws.close()
    await Bun.sleep(50)
    const again = await connect(`${url}?token=${chatToken}`)
    expect(again.first).toMatchObject({ status: 'pong' })
    for (const o of [...open, again]) o.ws.close()
  })
})
