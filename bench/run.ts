import security from './security'
import providers from './providers'
import mcp from './mcp'
import chat from './chat'
import aggregator from './aggregator'
import admin from './admin'
import zigbee from './zigbee'
import binary from './binary'
import models from './models'
import { meets, type Bench, type BenchRow } from './types'

/**
 * `bun run bench [name...]`: runs each bench module against local stand-ins and prints a table and
 * one JSON line. A benchmark, not a test: it never fails the build, it reports.
 */
const benches: Bench[] = [
  // Each feature adds its module here, one line each.
  security,
  providers,
  mcp,
  chat,
  aggregator,
  zigbee,
  binary,
  admin,
  models,
]

const only = process.argv.slice(2)
const rows: (BenchRow & { bench: string; ok?: boolean })[] = []
for (const bench of benches) {
  if (only.length && !only.includes(bench.name)) continue
  try {
    for (const row of await bench.run()) rows.push({ bench: bench.name, ...row, ok: meets(row) })
  } catch (err) {
    rows.push({ bench: bench.name, measure: 'failed to run', value: NaN, unit: '', note: err instanceof Error ? err.message : String(err) })
  }
}

const fmt = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(3)) : 'n/a')
const table = rows.map((r) => [r.bench, r.measure, `${fmt(r.value)} ${r.unit}`, r.budget ?? '', r.ok === undefined ? '' : r.ok ? 'ok' : 'OVER', r.note ?? ''])
const header = ['bench', 'measure', 'value', 'budget', '', 'note']
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)))
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
console.log(line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('  '))
for (const r of table) console.log(line(r))
console.log(JSON.stringify({ bench: rows }))
process.exit(0)
