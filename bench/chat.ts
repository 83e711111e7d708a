import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startTimedOpenAIFake, wallMs } from '../tests/fakes/timed-openai-server'
import { percentile, type Bench, type BenchRow } from './types'

/**
 * Chat streaming (SPEC §11): the hub runs as its own process (`bun run src/main.ts serve`), the
 * timed stand-in provider and the WebSocket clients run here. The stand-in stamps each chunk with
 * the wall clock when it writes it; a client subtracts that on arrival. "Added" figures subtract
 * the same measure taken straight from the stand-in (an SSE reader in this process), so the
 * stand-in's and the client's own costs cancel out.
 */
const ROOT = resolve(import.meta.dir, '..')
const TOKEN = 'hth_bench_admin_token_0123456789abcdef'
const STAMP = /"data":"@(\d+\.\d+)/

type Hub = { proc: Bun.Subprocess; url: string }

async function spawnHub(dir: string): Promise<Hub> {
  // HEARTH_BENCH_BIN=./hearth measures a compiled binary (the SPEC's RSS budgets are for it).
  const cmd = process.env.HEARTH_BENCH_BIN ? [process.env.HEARTH_BENCH_BIN] : ['bun', 'run', 'src/main.ts']
  const proc = Bun.spawn([...cmd, 'serve', '--config', join(dir, 'hearth.yaml'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, HEARTH_ADMIN_TOKEN: TOKEN, HEARTH_LOG_LEVEL: 'error' },
    stdout: 'pipe',
    stderr: 'ignore',
  })
  const reader = proc.stdout.getReader()
  let out = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`hub did not start: ${out}`)
    out += new TextDecoder().decode(value)
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
    if (m) {
      reader.releaseLock()
      return { proc, url: m[1]! }
    }
  }
}

/** CPU time (user + system, ms, all threads) a process has used so far, from /proc (Linux). */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

/** A bare WebSocket client; `onFrame` sees the raw text (no JSON.parse on the hot path). */
function openWs(url: string, onFrame: (text: string) => void): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/chat?token=${TOKEN}`)
  ws.onmessage = (e) => onFrame(e.data as string)
  return new Promise((res, rej) => {
    ws.onopen = () => res(ws)
    ws.onerror = () => rej(new Error('ws open failed'))
  })
}

type RawWs = { request(text: string, until: string): Promise<void>; close(): void }

/** A minimal RFC 6455 client on a raw TCP socket: handshake, masked text out, unmasked frames in. */
async function rawWs(url: string, onText: (text: string, at: number) => void): Promise<RawWs> {
  const u = new URL(url)
  let pending = Buffer.alloc(0)
  let upgraded = false
  let waiter: { until: string; done: () => void } | null = null
  let opened!: () => void
  const ready = new Promise<void>((r) => (opened = r))
  const sock = await Bun.connect({
    hostname: u.hostname,
    port: Number(u.port),
    socket: {
      data(_s, data) {
        const at = wallMs()
        pending = pending.length ? Buffer.concat([pending, data]) : Buffer.from(data)
        if (!upgraded) {
          const end = pending.indexOf('\r\n\r\n')
          if (end < 0) return
          upgraded = true
          pending = pending.subarray(end + 4)
          opened()
        }
        for (;;) {
          if (pending.length < 2) return
          let len = pending[1]! & 0x7f
          let off = 2
          if (len === 126) {
            if (pending.length < 4) return
            len = pending.readUInt16BE(2)
            off = 4
          } else if (len === 127) {
            if (pending.length < 10) return
            len = Number(pending.readBigUInt64BE(2))
            off = 10
          }
          if (pending.length < off + len) return
          if ((pending[0]! & 0x0f) === 1) {
            const text = pending.toString('utf8', off, off + len)
            onText(text, at)
            if (waiter && text.includes(waiter.until)) {
              const w = waiter
              waiter = null
              w.done()
            }
          }
          pending = pending.subarray(off + len)
        }
      },
    },
  })
  sock.write(
    `GET /ws/chat?token=${TOKEN} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  )
  await ready
  return {
    request(text, until) {
      const payload = Buffer.from(text)
      const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
      return new Promise<void>((done) => {
        waiter = { until, done }
        sock.write(Buffer.concat([head, Buffer.alloc(4), payload]))
      })
    },
    close() {
      sock.end()
    },
  }
}

/** Sends a chat and resolves with each chunk's latency (ms) once `complete` arrives. */
async function chatLatencies(ws: WebSocket, text: string, conversationId?: string): Promise<{ lat: number[]; ms: number; conversationId: string }> {
  const lat: number[] = []
  const t0 = performance.now()
  let conv = conversationId ?? ''
  await new Promise<void>((done, fail) => {
    ws.onmessage = (e) => {
      const s = e.data as string
      const m = STAMP.exec(s)
      if (m) lat.push(wallMs() - Number(m[1]))
      else if (s.includes('"status":"started"')) conv = JSON.parse(s).conversation_id
      else if (s.includes('"status":"complete"')) done()
      else if (s.includes('"status":"error"')) fail(new Error(s))
    }
    ws.send(JSON.stringify({ action: 'chat', request_id: 'b', text, ...(conversationId ? { conversation_id: conversationId } : {}) }))
  })
  return { lat, ms: performance.now() - t0, conversationId: conv }
}

/** The same stream read straight from the stand-in: the baseline every "added" figure subtracts. */
async function directLatencies(fakeUrl: string, text: string): Promise<number[]> {
  const res = await fetch(`${fakeUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'timed', stream: true, messages: [{ role: 'user', content: text }] }),
  })
  const lat: number[] = []
  const dec = new TextDecoder()
  for await (const part of res.body!) {
    const now = wallMs()
    for (const m of dec.decode(part, { stream: true }).matchAll(/"content":"@(\d+\.\d+)/g)) lat.push(now - Number(m[1]))
  }
  return lat
}

const sorted = (a: number[]) => [...a].sort((x, y) => x - y)
const median = (a: number[]) => percentile(sorted(a), 50)

async function run(): Promise<BenchRow[]> {
  const fake = startTimedOpenAIFake()
  const fakeUrl = `http://127.0.0.1:${fake.port}`
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-chat-'))
  writeFileSync(
    join(dir, 'hearth.yaml'),
    [
      'auth: { ws_connections_per_address: 5000, streams_per_token: 64, requests_per_minute: 10000000 }',
      'chat: { provider: t, persistence: { interval_ms: 200, min_chars: 1024 } }',
      'providers:',
      `  t: { kind: openai, base_url: "${fakeUrl}/v1", api_key: k, model: timed, max_retries: 0 }`,
    ].join('\n'),
  )
  const hub = await spawnHub(dir)
  const api = (path: string, init: RequestInit = {}) =>
    fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })
  const rows: BenchRow[] = []
  const children: Bun.Subprocess[] = []
  try {
    const ws = await openWs(hub.url, () => {})
    // Warm-up: SDK load, JIT, SQLite caches.
    for (let i = 0; i < 5; i++) await chatLatencies(ws, 'chunks=50 interval=1')
    await directLatencies(fakeUrl, 'chunks=50 interval=1')

    // 1. One conversation fanned out to 1,000 sockets; RSS with them and after they close
    // (first, so the idle figure is not inflated by the large answers below).
    // The 1,000 clients are bare RFC 6455 readers (Bun.connect) in a child process. On two cores
    // the end-to-end figure is bound by that process reading 1,000 sockets per chunk; the hub's own
    // share (serialize, publish to every socket, check buffers) comes from its stats.
    await Bun.sleep(500)
    const idle = rssMb(hub.proc.pid)
    const N = 1000
    const K = 1
    const CHUNKS = 50
    const GAP_MS = Number(process.env.FANOUT_GAP_MS ?? 20)
    const { conversationId } = await chatLatencies(ws, 'chunks=1 interval=0')
    const kids = Array.from({ length: K }, () =>
      Bun.spawn(['bun', import.meta.path, 'fanout-client', hub.url, conversationId, String(N / K), String(CHUNKS)], { stdout: 'pipe', stderr: 'inherit' }),
    )
    children.push(...kids.map((k) => k))
    const outputs = kids.map((k) => lines(k.stdout))
    for (const out of outputs) if ((await out.next()).value !== 'ready') throw new Error('fan-out client failed to start')
    const withClients = rssMb(hub.proc.pid)
    await chatLatencies(ws, `chunks=${CHUNKS} interval=${GAP_MS}`, conversationId)
    const results = await Promise.all(outputs.map(async (out) => JSON.parse((await out.next()).value as string) as { lat: number[]; complete: number; disorder: number }))
    const fanLat = sorted(results.flatMap((r) => r.lat))
    const complete = results.reduce((n, r) => n + r.complete, 0)
    const disorder = results.reduce((n, r) => n + r.disorder, 0)
    const hubFan = (await (await api('/api/v1/stats')).json()).chat.fanout as { p50_ms: number; p99_ms: number }
    rows.push({
      measure: `fan-out to ${N} sockets, in the hub, p99`,
      value: hubFan.p99_ms,
      unit: 'ms',
      budget: '<= 20',
      note: `${complete}/${N} clients got all ${CHUNKS} chunks (one every ${GAP_MS} ms), ${disorder} out of order; hub p50 ${hubFan.p50_ms} ms`,
    })
    rows.push({
      measure: `fan-out to ${N} sockets, provider→last client p99`,
      value: percentile(fanLat, 99),
      unit: 'ms',
      note: `p50 ${percentile(fanLat, 50).toFixed(2)} ms; includes the client process reading 1,000 sockets per chunk on the same 2 cores`,
    })
    rows.push({ measure: `hub RSS with ${N} sockets`, value: withClients, unit: 'MB', budget: '<= 150', note: `idle ${idle.toFixed(1)} MB (${process.env.HEARTH_BENCH_BIN ? 'compiled binary' : 'bun run, not the compiled binary'})` })
    await Promise.all(kids.map((k) => k.exited))
    await Bun.sleep(3000)
    const after = rssMb(hub.proc.pid)
    rows.push({ measure: 'hub RSS after the sockets closed, over idle', value: ((after - idle) / idle) * 100, unit: '%', budget: '<= 20', note: `${after.toFixed(1)} MB` })

    // 2. Per-chunk forwarding latency.
    const hubLat: number[] = []
    const dirLat: number[] = []
    for (let round = 0; round < 3; round++) {
      hubLat.push(...(await chatLatencies(ws, 'chunks=300 interval=2')).lat)
      dirLat.push(...(await directLatencies(fakeUrl, 'chunks=300 interval=2')))
    }
    const h = sorted(hubLat)
    const d = sorted(dirLat)
    rows.push({ measure: 'chunk latency provider→ws, end to end p50', value: percentile(h, 50), unit: 'ms', note: `${h.length} chunks` })
    rows.push({ measure: 'chunk latency provider→ws, end to end p99', value: percentile(h, 99), unit: 'ms' })
    rows.push({ measure: 'added latency per chunk p50', value: percentile(h, 50) - percentile(d, 50), unit: 'ms', budget: '<= 0.5', note: `direct SSE p50 ${percentile(d, 50).toFixed(3)} ms` })
    rows.push({ measure: 'added latency per chunk p99', value: percentile(h, 99) - percentile(d, 99), unit: 'ms', budget: '<= 2', note: `direct SSE p99 ${percentile(d, 99).toFixed(3)} ms` })

    // 3. Added time to the first chunk.
    // Stamped 5 ms after the response opened (the SDK has parsed the headers): what is measured is
    // whether the first chunk waits for anything. With the stamp taken before the headers leave,
    // the SDK's response setup is counted too; that figure is reported beside it.
    const first = async (script: string) => {
      const hubL: number[] = []
      const dirL: number[] = []
      for (let i = 0; i < 40; i++) {
        hubL.push((await chatLatencies(ws, script)).lat[0]!)
        dirL.push((await directLatencies(fakeUrl, script))[0]!)
      }
      return { hub: median(hubL), direct: median(dirL) }
    }
    const settled = await first('chunks=3 interval=5')
    const immediate = await first('chunks=3 interval=0')
    rows.push({
      measure: 'added time to first chunk p50',
      value: settled.hub - settled.direct,
      unit: 'ms',
      budget: '<= 0.5',
      note: `hub ${settled.hub.toFixed(3)} / direct ${settled.direct.toFixed(3)} ms; stamped before the headers: +${(immediate.hub - immediate.direct).toFixed(3)} ms`,
    })

    // 4. Persistence on vs off: a fast 20,000-chunk answer (~480 kB), alternating; the best of 7
    // runs each, the estimate least disturbed by other load on the machine.
    const CH = 20_000
    const timeOne = async () => (await chatLatencies(ws, `chunks=${CH} interval=0 size=24`)).ms
    const setPersistence = (on: boolean) =>
      api('/api/v1/config', {
        method: 'PATCH',
        body: JSON.stringify(on ? { unset: ['chat.persistence.interval_ms', 'chat.persistence.min_chars'] } : { set: { 'chat.persistence.interval_ms': 1_000_000_000, 'chat.persistence.min_chars': 1_000_000_000 } }),
      })
    const on: number[] = []
    const off: number[] = []
    await timeOne()
    for (let i = 0; i < 7; i++) {
      on.push(await timeOne())
      await setPersistence(false)
      off.push(await timeOne())
      await setPersistence(true)
    }
    const best = (a: number[]) => Math.min(...a)
    const cost = ((best(on) - best(off)) / best(off)) * 100
    rows.push({
      measure: 'persistence throughput cost',
      value: cost,
      unit: '%',
      budget: '<= 5',
      note: `on ${(CH / (best(on) / 1000)).toFixed(0)} chunks/s, off ${(CH / (best(off) / 1000)).toFixed(0)} chunks/s (24-byte chunks, no pacing); medians ${(((median(on) - median(off)) / median(off)) * 100).toFixed(1)} %`,
    })

    // 5. /v1/chat/completions added latency (not streaming) over calling the stand-in directly:
    // with the registry's tools offered to the model (the default), and with `hearth_tools: false`,
    // where the request the stand-in gets is the same size as the direct one.
    const v1 = async (extra: Record<string, unknown>) => {
      const body = JSON.stringify({ model: 'hearth', messages: [{ role: 'user', content: 'chunks=1 interval=0' }], ...extra })
      const plain = JSON.stringify({ model: 'hearth', messages: [{ role: 'user', content: 'chunks=1 interval=0' }] })
      // The hub always asks its provider for a stream (one turn runner for every surface); the
      // stand-in's streamed answer costs it more than its JSON one, which the note shows apart.
      const streamed = JSON.stringify({ model: 'timed', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'chunks=1 interval=0' }] })
      const viaHub: number[] = []
      const direct: number[] = []
      const directStream: number[] = []
      let cpu0 = 0
      for (let i = 0; i < 330; i++) {
        // The hub's own CPU per request: far steadier than a latency difference on a busy box.
        if (i === 30) cpu0 = cpuMs(hub.proc.pid)
        let t = performance.now()
        await (await api('/v1/chat/completions', { method: 'POST', body })).json()
        if (i >= 30) viaHub.push(performance.now() - t)
        t = performance.now()
        await (await fetch(`${fakeUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: plain })).json()
        if (i >= 30) direct.push(performance.now() - t)
        t = performance.now()
        await (await fetch(`${fakeUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamed })).text()
        if (i >= 30) directStream.push(performance.now() - t)
      }
      return { hub: median(viaHub), direct: median(direct), directStream: median(directStream), hubCpuUs: ((cpuMs(hub.proc.pid) - cpu0) / 300) * 1000 }
    }
    // Section 4 leaves the hub busy for a while (its 480 kB answers: garbage collection, the WAL);
    // measured straight after it, the first variant paid for that (hub CPU per request ~1 ms with
    // tools vs ~0.6 ms without, in either order). Let it settle and warm both variants first.
    await Bun.sleep(1500)
    await v1({})
    await v1({ hearth_tools: false })
    const withTools = await v1({})
    const noTools = await v1({ hearth_tools: false })
    const toolCount = ((await (await api('/api/v1/stats')).json()).mcp?.tools as number | undefined) ?? 0
    rows.push({
      measure: '/v1/chat/completions added latency p50',
      value: withTools.hub - withTools.direct,
      unit: 'ms',
      budget: '<= 0.5',
      note: `hub ${withTools.hub.toFixed(3)} / direct ${withTools.direct.toFixed(3)} ms (direct streamed ${withTools.directStream.toFixed(3)} ms); hub CPU ${withTools.hubCpuUs.toFixed(0)} µs/request; ${toolCount} registry tools offered to the model`,
    })
    rows.push({
      measure: '/v1/chat/completions added latency p50, hearth_tools: false',
      value: noTools.hub - noTools.direct,
      unit: 'ms',
      note: `hub ${noTools.hub.toFixed(3)} / direct ${noTools.direct.toFixed(3)} ms; hub CPU ${noTools.hubCpuUs.toFixed(0)} µs/request`,
    })

    ws.close()
  } finally {
    for (const c of children) c.kill()
    hub.proc.kill('SIGTERM')
    await hub.proc.exited
    fake.stop(true)
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

/** Lines of a child's stdout. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder()
  let buf = ''
  for await (const part of stream) {
    buf += dec.decode(part, { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl)
      buf = buf.slice(nl + 1)
    }
  }
}

/** A fan-out client process: `n` sockets subscribed to one conversation, reporting per-chunk latency. */
async function fanoutClient(url: string, conversationId: string, n: number, chunks: number): Promise<void> {
  const seen: number[][] = Array.from({ length: n }, () => [])
  const lat: number[] = []
  let disorder = 0
  const socks: RawWs[] = []
  for (let i = 0; i < n; i++) {
    const mine = seen[i]!
    socks.push(
      await rawWs(url, (text, at) => {
        const m = STAMP.exec(text)
        if (!m) return
        const stamp = Number(m[1])
        lat.push(at - stamp)
        if (mine.length && mine[mine.length - 1]! >= stamp) disorder++
        mine.push(stamp)
      }),
    )
  }
  await Promise.all(socks.map((c) => c.request(JSON.stringify({ action: 'subscribe', request_id: 's', conversation_id: conversationId }), '"status":"subscribed"')))
  console.log('ready')
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline && seen.some((x) => x.length < chunks)) await Bun.sleep(20)
  for (const c of socks) c.close()
  console.log(JSON.stringify({ lat, complete: seen.filter((x) => x.length === chunks).length, disorder }))
}

if (import.meta.main && process.argv[2] === 'fanout-client') {
  const [url, conv, n, chunks] = process.argv.slice(3)
  await fanoutClient(url!, conv!, Number(n), Number(chunks))
  process.exit(0)
}

export default { name: 'chat', run } satisfies Bench
