import { ADMIN_TOKEN, startTestHub } from '../tests/helpers/hub'
import { percentile, type Bench, type BenchRow } from './types'

/**
 * The admin panel: server time to render the heaviest pages (dashboard's live fragment, the whole
 * settings table) over HTTP with a session, and one event through the log stream.
 */
const bench: Bench = {
  name: 'admin',
  async run(): Promise<BenchRow[]> {
    const hub = await startTestHub()
    try {
      const login = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual' })
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!
      const time = async (path: string, n: number) => {
        const ms: number[] = []
        for (let i = 0; i < n; i++) {
          const t0 = performance.now()
          await (await fetch(hub.url + path, { headers: { cookie, 'hx-request': 'true' } })).text()
          ms.push(performance.now() - t0)
        }
        return ms.sort((a, b) => a - b)
      }
      const rows: BenchRow[] = []
      for (const [path, label] of [
        ['/admin/dashboard/live', 'dashboard live fragment'],
        ['/admin/settings', 'settings page (every key)'],
        ['/admin/tools', 'tools page'],
      ] as const) {
        const ms = await time(path, 150) // 3 × 150 stays under auth.requests_per_minute (600)
        rows.push({ measure: `${label} p50`, value: percentile(ms, 50), unit: 'ms' }, { measure: `${label} p99`, value: percentile(ms, 99), unit: 'ms' })
      }
      // Log line → SSE frame on the wire.
      const ac = new AbortController()
      const res = await fetch(`${hub.url}/admin/logs/stream`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal })
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      const lat: number[] = []
      for (let i = 0; i < 50; i++) {
        const marker = `bench-marker-${i}`
        const t0 = performance.now()
        hub.services.log.info(marker)
        let seen = ''
        for (let j = 0; j < 20 && !seen.includes(marker); j++) seen += decoder.decode((await reader.read()).value ?? new Uint8Array())
        lat.push(performance.now() - t0)
      }
      ac.abort()
      lat.sort((a, b) => a - b)
      rows.push({ measure: 'log line to SSE client p50', value: percentile(lat, 50), unit: 'ms' })
      return rows
    } finally {
      await hub.close()
    }
  },
}
export default bench
