import { ConfigService, type OverrideStore } from '../src/core/config'
import { EventBus } from '../src/core/events'
import { createLogger } from '../src/core/log'
import { ProviderService } from '../src/providers/service'
import { startAnthropicFake } from '../tests/fakes/anthropic-server'
import { startGeminiFake } from '../tests/fakes/gemini-server'
import { startOpenAIFake } from '../tests/fakes/openai-server'
import { percentile, type Bench, type BenchRow } from './types'

const CHUNKS = 2000
const RUNS = 5

function memoryStore(): OverrideStore {
  const m = new Map<string, unknown>()
  return { load: () => Object.fromEntries(m), save: (k, v) => void m.set(k, v), remove: (k) => void m.delete(k), clear: () => m.clear() }
}

/** Reads the stand-in's SSE with plain fetch: the floor any adapter is compared with. */
async function rawChunks(url: string, body: unknown): Promise<{ firstMs: number; totalMs: number }> {
  const t0 = performance.now()
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const reader = res.body!.getReader()
  const dec = new TextDecoder()
  let first = 0
  let buf = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buf += dec.decode(value, { stream: true })
    let i
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i)
      buf = buf.slice(i + 2)
      if (frame.includes('data: ') && !frame.includes('[DONE]')) {
        JSON.parse(frame.slice(frame.indexOf('data: ') + 6))
        first ||= performance.now() - t0
      }
    }
  }
  return { firstMs: first, totalMs: performance.now() - t0 }
}

const bench: Bench = {
  name: 'providers',
  async run() {
    const rows: BenchRow[] = []
    const oai = startOpenAIFake()
    const ant = startAnthropicFake()
    const gem = startGeminiFake()
    const bus = new EventBus()
    const log = createLogger({ level: 'error', sink: () => {} })
    const config = new ConfigService({ env: {}, store: memoryStore(), bus, log })
    config.load()
    config.set('providers', {
      openai: { kind: 'openai', base_url: `${oai.url}/v1`, model: 'm' },
      anthropic: { kind: 'anthropic', base_url: ant.url, api_key: 'k', model: 'm' },
      gemini: { kind: 'gemini', base_url: gem.url, api_key: 'k', model: 'm' },
    })
    const svc = new ProviderService({ config, bus, log })
    const text = Array.from({ length: CHUNKS }, (_, i) => `w${i} `)
    try {
      for (const [name, fake] of [['openai', oai], ['anthropic', ant], ['gemini', gem]] as const) {
        // First use imports the SDK: its cost in time and memory is what a Pi pays once per kind.
        Bun.gc(true)
        const heap0 = process.memoryUsage().heapUsed
        const t0 = performance.now()
        fake.queue({ text: ['warm'] })
        for await (const _ of svc.get(name).stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal }));
        const loadMs = performance.now() - t0
        Bun.gc(true)
        rows.push({ measure: `${name}: first call incl. SDK import`, value: loadMs, unit: 'ms' })
        rows.push({ measure: `${name}: JS heap added by loading the SDK`, value: (process.memoryUsage().heapUsed - heap0) / 1048576, unit: 'MB', note: 'after a full GC' })

        const perChunk: number[] = []
        const firsts: number[] = []
        for (let r = 0; r < RUNS; r++) {
          fake.queue({ text })
          const t = performance.now()
          let first = 0
          let n = 0
          for await (const e of svc.get(name).stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal })) {
            if (e.kind === 'text') {
              first ||= performance.now() - t
              n++
            }
          }
          perChunk.push(((performance.now() - t) / n) * 1000)
          firsts.push(first)
        }
        perChunk.sort((a, b) => a - b)
        firsts.sort((a, b) => a - b)
        rows.push({ measure: `${name}: time per streamed chunk through SDK+adapter`, value: percentile(perChunk, 50), unit: 'µs', note: `${CHUNKS} chunks, median of ${RUNS}` })
        rows.push({ measure: `${name}: time to first event through SDK+adapter`, value: percentile(firsts, 50), unit: 'ms' })
      }
      const raw: number[] = []
      for (let r = 0; r < RUNS; r++) {
        oai.queue({ text })
        const { totalMs } = await rawChunks(`${oai.url}/v1/chat/completions`, { model: 'm', stream: true })
        raw.push((totalMs / (CHUNKS + 3)) * 1000)
      }
      raw.sort((a, b) => a - b)
      rows.push({ measure: 'openai stand-in read with plain fetch, per chunk (floor)', value: percentile(raw, 50), unit: 'µs' })
    } finally {
      svc.stop()
      await Promise.all([oai.stop(), ant.stop(), gem.stop()])
    }
    return rows
  },
}

export default bench
