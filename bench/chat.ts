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
  const proc = Bun.spawn(['bun', 'run', 'src/main.ts', 'serve', '--config', join(dir, 'hearth.yaml'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0'], {
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
  const sockets: WebSocket[] = []
  try {
    const ws = await openWs(hub.url, () => {})
    // Warm-up: SDK load, JIT, SQLite caches.
    for (let i = 0; i < 5; i++) await chatLatencies(ws, 'chunks=50 interval=1')
    await directLatencies(fakeUrl, 'chunks=50 interval=1')

    // 1. Per-chunk forwarding latency.
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

    // 2. Added time to the first chunk.
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
    const settled = await first('chunks=1 interval=5')
    const immediate = await first('chunks=1 interval=0')
    rows.push({
      measure: 'added time to first chunk p50',
      value: settled.hub - settled.direct,
      unit: 'ms',
      budget: '<= 0.5',
      note: `hub ${settled.hub.toFixed(3)} / direct ${settled.direct.toFixed(3)} ms; stamped before the headers: +${(immediate.hub - immediate.direct).toFixed(3)} ms`,
    })

    // 3. Persistence on vs off: a fast 3,000-chunk answer, alternating, median of 3 each.
    const timeOne = async () => (await chatLatencies(ws, 'chunks=3000 interval=0 size=24')).ms
    const on: number[] = []
    const off: number[] = []
    for (let i = 0; i < 3; i++) {
      on.push(await timeOne())
      await api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ set: { 'chat.persistence.interval_ms': 1_000_000_000, 'chat.persistence.min_chars': 1_000_000_000 } }) })
      off.push(await timeOne())
      await api('/api/v1/config', { method: 'PATCH', body: JSON.stringify({ unset: ['chat.persistence.interval_ms', 'chat.persistence.min_chars'] }) })
    }
    const cost = ((median(on) - median(off)) / median(off)) * 100
    rows.push({ measure: 'persistence throughput cost', value: cost, unit: '%', budget: '<= 5', note: `on ${(3000 / (median(on) / 1000)).toFixed(0)} chunks/s, off ${(3000 / (median(off) / 1000)).toFixed(0)} chunks/s` })

    // 4. /v1/chat/completions added latency (not streaming) over calling the stand-in directly.
    const body = JSON.stringify({ model: 'hearth', messages: [{ role: 'user', content: 'chunks=1 interval=0' }] })
    const viaHub: number[] = []
    const direct: number[] = []
    for (let i = 0; i < 330; i++) {
      let t = performance.now()
      await (await api('/v1/chat/completions', { method: 'POST', body })).json()
      if (i >= 30) viaHub.push(performance.now() - t)
      t = performance.now()
      await (await fetch(`${fakeUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()
      if (i >= 30) direct.push(performance.now() - t)
    }
    rows.push({ measure: '/v1/chat/completions added latency p50', value: median(viaHub) - median(direct), unit: 'ms', budget: '<= 0.5', note: `hub ${median(viaHub).toFixed(3)} / direct ${median(direct).toFixed(3)} ms` })

    // 5. One conversation fanned out to 1,000 sockets; RSS with them and after they close.
    await Bun.sleep(500)
    const idle = rssMb(hub.proc.pid)
    const N = 1000
    const CHUNKS = 50
    const GAP_MS = Number(process.env.FANOUT_GAP_MS ?? 50)
    const seen: number[][] = Array.from({ length: N }, () => [])
    const fanLat: number[] = []
    let disorder = 0
    for (let i = 0; i < N; i++) {
      const idx = i
      sockets.push(
        await openWs(hub.url, (s) => {
          const m = STAMP.exec(s)
          if (!m) return
          const stamp = Number(m[1])
          fanLat.push(wallMs() - stamp)
          const mine = seen[idx]!
          if (mine.length && mine[mine.length - 1]! >= stamp) disorder++
          mine.push(stamp)
        }),
      )
    }
    const asker = sockets[0]!
    const { conversationId } = await chatLatencies(asker, 'chunks=1 interval=0')
    seen[0]!.length = 0
    fanLat.length = 0
    await Promise.all(
      sockets.slice(1).map(
        (s) =>
          new Promise<void>((done) => {
            const prev = s.onmessage
            s.onmessage = (e) => {
              if ((e.data as string).includes('"status":"subscribed"')) {
                s.onmessage = prev
                done()
              }
            }
            s.send(JSON.stringify({ action: 'subscribe', request_id: 's', conversation_id: conversationId }))
          }),
      ),
    )
    const withClients = rssMb(hub.proc.pid)
    const askerSeen: number[] = []
    const origAsk = asker.onmessage
    await new Promise<void>((done) => {
      asker.onmessage = (e) => {
        const s = e.data as string
        const m = STAMP.exec(s)
        if (m) {
          fanLat.push(wallMs() - Number(m[1]))
          askerSeen.push(Number(m[1]))
        } else if (s.includes('"status":"complete"')) done()
      }
      asker.send(JSON.stringify({ action: 'chat', request_id: 'fan', text: `chunks=${CHUNKS} interval=${GAP_MS}`, conversation_id: conversationId }))
    })
    asker.onmessage = origAsk
    seen[0] = askerSeen
    // The last subscriber may still be draining its socket when the asker sees `complete`.
    for (let w = 0; w < 100 && seen.some((s) => s.length < CHUNKS); w++) await Bun.sleep(20)
    const complete = seen.filter((s) => s.length === CHUNKS).length
    rows.push({
      measure: `fan-out to ${N} sockets p99`,
      value: percentile(sorted(fanLat), 99),
      unit: 'ms',
      budget: '<= 20',
      note: `${complete}/${N} clients got all ${CHUNKS} chunks (one every ${GAP_MS} ms), ${disorder} out of order; p50 ${percentile(sorted(fanLat), 50).toFixed(2)} ms; clients in the bench process`,
    })
    rows.push({ measure: `hub RSS with ${N} sockets`, value: withClients, unit: 'MB', budget: '<= 150', note: `idle ${idle.toFixed(1)} MB (bun run, not the compiled binary)` })
    for (const s of sockets.splice(0)) s.close()
    await Bun.sleep(3000)
    const after = rssMb(hub.proc.pid)
    rows.push({ measure: 'hub RSS after the sockets closed, over idle', value: ((after - idle) / idle) * 100, unit: '%', budget: '<= 20', note: `${after.toFixed(1)} MB` })
    ws.close()
  } finally {
    for (const s of sockets) s.close()
    hub.proc.kill('SIGTERM')
    await hub.proc.exited
    fake.stop(true)
    rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

export default { name: 'chat', run } satisfies Bench
