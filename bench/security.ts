import { startTestHub, ADMIN_TOKEN } from '../tests/helpers/hub'
import { percentile, type Bench } from './types'

/** What the one guard costs per request: an open route against token-, cookie- and /mcp-checked ones. */
const bench: Bench = {
  name: 'security',
  async run() {
    const hub = await startTestHub({ yaml: 'auth:\n  requests_per_minute: 1000000\n  tool_calls_per_minute: 1000000\n' })
    try {
      const login = await fetch(`${hub.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN_TOKEN }), redirect: 'manual' })
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!
      const cases: [string, () => Request][] = [
        ['open route (health)', () => new Request('http://localhost/api/v1/health')],
        ['bearer token (info)', () => new Request('http://localhost/api/v1/info', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })],
        ['panel cookie (info)', () => new Request('http://localhost/api/v1/info', { headers: { cookie } })],
        ['refused, no token', () => new Request('http://localhost/api/v1/info')],
        [
          '/mcp tools/call peek',
          () =>
            new Request('http://localhost/mcp', {
              method: 'POST',
              headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
              body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { text: 'y'.repeat(2000) } } }),
            }),
        ],
      ]
      const rows = []
      for (const [label, make] of cases) {
        for (let i = 0; i < 200; i++) await hub.app.handle(make())
        const times: number[] = []
        for (let i = 0; i < 2000; i++) {
          const t0 = performance.now()
          await hub.app.handle(make())
          times.push(performance.now() - t0)
        }
        times.sort((a, b) => a - b)
        rows.push({ measure: `${label} p50`, value: percentile(times, 50) * 1000, unit: 'µs' })
        rows.push({ measure: `${label} p99`, value: percentile(times, 99) * 1000, unit: 'µs' })
      }
      return rows
    } finally {
      await hub.close()
    }
  },
}

export default bench
