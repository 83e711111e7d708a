import { startTestHub } from '../tests/helpers/hub'
import { startProviderFakes } from '../tests/helpers/provider-fakes'
import { percentile, type Bench, type BenchRow } from './types'

const N = 200

async function timed(n: number, call: () => Promise<Response>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const res = await call()
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    out.push(performance.now() - t0)
  }
  return out.sort((a, b) => a - b)
}

/** What the inference API adds over calling the (stand-in) vendor directly, through a whole hub. */
const bench: Bench = {
  name: 'models',
  async run() {
    const fakes = startProviderFakes()
    const hub = await startTestHub({ yaml: fakes.yaml() })
    try {
      const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) })
      await hub.api('/api/v1/models/register', json({ id: 'emb', provider: 'openai', model: 'e', kinds: ['embedding'] }))
      const chat = json({ model: 'provider:openai', messages: [{ role: 'user', content: 'hi' }] })
      const direct = await timed(N, () =>
        fetch(`${fakes.openai.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [], stream: true }) }),
      )
      const viaHub = await timed(N, () => hub.api('/api/v1/inference/chat', chat))
      const embed = await timed(N, () => hub.api('/api/v1/inference/embedding', json({ model: 'emb', input: ['a', 'b', 'c'] })))
      const list = await timed(N, () => hub.api('/api/v1/models'))
      const rows: BenchRow[] = [
        { measure: 'inference/chat p50 (stand-in direct)', value: percentile(direct, 50), unit: 'ms' },
        { measure: 'inference/chat p50 via hub', value: percentile(viaHub, 50), unit: 'ms', note: `p95 ${percentile(viaHub, 95).toFixed(2)} ms` },
        { measure: 'inference/chat overhead p50', value: percentile(viaHub, 50) - percentile(direct, 50), unit: 'ms' },
        { measure: 'inference/embedding p50 (3 inputs)', value: percentile(embed, 50), unit: 'ms' },
        { measure: 'GET /api/v1/models p50', value: percentile(list, 50), unit: 'ms' },
      ]
      return rows
    } finally {
      await hub.close()
      await fakes.stop()
    }
  },
}

export default bench
