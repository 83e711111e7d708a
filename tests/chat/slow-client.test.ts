import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Socket } from 'node:net'
import { ADMIN_TOKEN } from '../helpers/hub'
import { startChatHub, type ChatHub } from './setup'

let h: ChatHub
beforeAll(async () => {
  // Large flush thresholds: this test moves ~10 MB through one answer, far beyond a real one.
  h = await startChatHub('chat: { provider: oa, persistence: { interval_ms: 1000, min_chars: 100000000 } }')
})
afterAll(() => h.close())

/** A WebSocket client at the TCP level that completes the handshake and then stops reading. */
async function stalledSocket(url: string): Promise<{ sock: Socket; received: () => Buffer; ended: Promise<void> }> {
  const u = new URL(url)
  const sock = connect(Number(u.port), u.hostname)
  const chunks: Buffer[] = []
  let ended!: () => void
  const endedP = new Promise<void>((r) => (ended = r))
  sock.on('data', (d: Buffer) => chunks.push(d))
  sock.on('close', () => ended())
  sock.on('error', () => ended())
  await new Promise<void>((r) => sock.once('connect', () => r()))
  sock.write(
    `GET /ws/chat?token=${ADMIN_TOKEN} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  )
  while (!Buffer.concat(chunks).includes('\r\n\r\n')) await Bun.sleep(5)
  return { sock, received: () => Buffer.concat(chunks), ended: endedP }
}

/** Client → server frames must be masked (RFC 6455); a zero mask keeps the payload as is. */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text)
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
  return Buffer.concat([head, Buffer.alloc(4), payload])
}

/** The close code of the first close frame (opcode 8) in a server → client byte stream. */
function closeCode(bytes: Buffer): number | null {
  let i = bytes.indexOf('\r\n\r\n') + 4
  while (i + 2 <= bytes.length) {
    const op = bytes[i]! & 0x0f
    let len = bytes[i + 1]! & 0x7f
    let off = i + 2
    if (len === 126) {
      len = bytes.readUInt16BE(off)
      off += 2
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(off))
      off += 8
    }
    if (off + len > bytes.length) return null
    if (op === 8) return bytes.readUInt16BE(off)
    i = off + len
  }
  return null
}

describe('a client that cannot keep up', () => {
  test('is closed with 1013 while another subscriber still gets every chunk in order', async () => {
    const good = await h.client()
    h.fakes.oa.queue({ text: ['hello'] })
    await good.request({ action: 'chat', request_id: 'a', text: 'start' })
    const conv = good.of('a')[0]!.conversation_id

    const slow = await stalledSocket(h.hub.url)
    slow.sock.write(maskedText(JSON.stringify({ action: 'subscribe', request_id: 's', conversation_id: conv })))
    await Bun.sleep(50)
    slow.sock.pause()

    const big = 'x'.repeat(64 * 1024)
    const pieces = Array.from({ length: 170 }, (_, i) => `${String(i).padStart(4, '0')}${big}`)
    // ~11 MB: more than the kernel's socket buffers plus the 4 MB the hub lets one client hold.
    // Paced like a (very fast) model, so only the client that stopped reading falls behind.
    h.fakes.oa.queue({ text: pieces, delayMs: 2 })
    const end = await good.request({ action: 'chat', request_id: 'b', text: 'flood', conversation_id: conv }, 20_000)
    expect(end.status).toBe('complete')
    const got = good.of('b').filter((f) => f.status === 'chunk').map((f) => f.chunk.data)
    expect(got.length).toBe(170)
    expect(got.every((d, i) => d === pieces[i])).toBe(true)

    const stats = await (await h.hub.api('/api/v1/stats')).json()
    expect(stats.chat.slow_clients_closed).toBe(1)
    // Reading again, the stalled client finds the server's close frame: 1013, try again later.
    slow.sock.resume()
    await slow.ended
    expect(closeCode(slow.received())).toBe(1013)
  }, 30_000)
})
