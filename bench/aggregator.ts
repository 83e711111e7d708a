import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startHub, type Hub } from '../src/hub'
import { percentile, type Bench, type BenchRow } from './types'

/**
 * SPEC §11: added latency of a call through Hearth's registry over calling the same upstream
 * directly with the SDK client (stdio and Streamable HTTP), and the time to bring in and list
 * 20 upstreams × 50 tools.
 */
const ROOT = resolve(import.meta.dir, '..')
const MANY = join(ROOT, 'tests/fakes/many-tools-server.ts')
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
const BUN = process.execPath
const TOKEN = 'hth_bench_admin_0123456789abcdef'
const ctx = { signal: new AbortController().signal, actor: 'bench', surface: 'rest' as const }

async function until(fn: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await Bun.sleep(5)
  }
}

async function hubWith(yaml: string): Promise<{ hub: Hub; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-agg-'))
  const path = join(dir, 'hearth.yaml')
  // Limits are for LAN clients, not for a benchmark's tight loop.
  await Bun.write(path, `auth: { requests_per_minute: 10000000, tool_calls_per_minute: 10000000 }\n${yaml}`)
  const hub = await startHub({ configPath: path, dataDir: join(dir, 'data'), env: { HEARTH_ADMIN_TOKEN: TOKEN, PATH: process.env.PATH, HOME: process.env.HOME }, host: '127.0.0.1', port: 0, logSink: () => {}, print: () => {} })
  return { hub, dir }
}

/** Alternates direct and through-Hearth calls so drift (GC, CPU frequency) hits both alike. */
async function compare(direct: () => Promise<unknown>, viaHub: () => Promise<unknown>, n: number) {
  for (let i = 0; i < Math.min(200, n / 5); i++) {
    await direct()
    await viaHub()
  }
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < n; i++) {
    let t = performance.now()
    await direct()
    a.push(performance.now() - t)
    t = performance.now()
    await viaHub()
    b.push(performance.now() - t)
  }
  a.sort((x, y) => x - y)
  b.sort((x, y) => x - y)
  return { direct: { p50: percentile(a, 50), p99: percentile(a, 99) }, hub: { p50: percentile(b, 50), p99: percentile(b, 99) } }
}

function rows(kind: string, r: Awaited<ReturnType<typeof compare>>, n: number): BenchRow[] {
  return [
    { measure: `${kind} call direct (SDK client) p50 / p99`, value: r.direct.p50, unit: 'ms', note: `p99 ${r.direct.p99.toFixed(3)} ms, n=${n}` },
    { measure: `${kind} call through Hearth registry p50 / p99`, value: r.hub.p50, unit: 'ms', note: `p99 ${r.hub.p99.toFixed(3)} ms` },
    { measure: `${kind} added latency p50`, value: r.hub.p50 - r.direct.p50, unit: 'ms', budget: '<= 0.5', note: `added p99 ${(r.hub.p99 - r.direct.p99).toFixed(3)} ms` },
  ]
}

async function stdioRows(): Promise<BenchRow[]> {
  const { hub, dir } = await hubWith(`mcp:\n  servers:\n    many: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "5"] }\n`)
  const client = new Client({ name: 'bench', version: '1' })
  try {
    await client.connect(new StdioClientTransport({ command: BUN, args: [MANY, '--tools', '5'], stderr: 'ignore' }))
    await until(() => hub.services.tools.has('many_tool_000'), 15_000)
    const n = 2000
    const r = await compare(
      () => client.callTool({ name: 'tool_000', arguments: { text: 'x' } }),
      () => hub.services.tools.call('many_tool_000', { text: 'x' }, ctx),
      n,
    )
    // An outside MCP client: through /mcp (HTTP, auth, session) to the same stdio upstream.
    const outside = new V1Client({ name: 'bench', version: '1' })
    await outside.connect(new V1HttpTransport(new URL(`${hub.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }))
    const viaMcp = await compare(
      () => client.callTool({ name: 'tool_000', arguments: { text: 'x' } }),
      () => outside.callTool({ name: 'many_tool_000', arguments: { text: 'x' } }),
      1000,
    )
    await outside.close()
    return [
      ...rows('stdio', r, n),
      { measure: 'stdio call through Hearth /mcp (outside client) p50', value: viaMcp.hub.p50, unit: 'ms', note: `p99 ${viaMcp.hub.p99.toFixed(3)} ms; direct p50 ${viaMcp.direct.p50.toFixed(3)} ms` },
    ]
  } finally {
    await client.close()
    await hub.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function httpRows(): Promise<BenchRow[]> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  const server = Bun.spawn([BUN, EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdout: 'ignore', stderr: 'ignore' })
  const url = `http://127.0.0.1:${port}/mcp`
  const client = new Client({ name: 'bench', version: '1' })
  let hub: Hub | undefined
  let dir = ''
  try {
    const deadline = Date.now() + 15_000
    for (;;) {
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(url)))
        break
      } catch (err) {
        if (Date.now() > deadline) throw err
        await Bun.sleep(50)
      }
    }
    ;({ hub, dir } = await hubWith(`mcp:\n  servers:\n    web: { url: "${url}" }\n`))
    const h = hub
    await until(() => h.services.tools.has('web_echo'), 15_000)
    const n = 1000
    const r = await compare(
      () => client.callTool({ name: 'echo', arguments: { message: 'x' } }),
      () => h.services.tools.call('web_echo', { message: 'x' }, ctx),
      n,
    )
    return rows('http', r, n)
  } finally {
    await client.close().catch(() => {})
    await hub?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
    server.kill()
    await server.exited
  }
}

async function scaleRows(): Promise<BenchRow[]> {
  const servers = Array.from({ length: 20 }, (_, i) => `    s${String(i).padStart(2, '0')}: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "50"] }`).join('\n')
  const t0 = performance.now()
  const { hub, dir } = await hubWith(`mcp:\n  servers:\n${servers}\n`)
  try {
    const reg = hub.services.tools
    // 51 per server: 50 tools plus the fake's add_tool.
    const aggregated = () => reg.list({ includeDisabled: true }).filter((t) => t.source.startsWith('mcp:')).length
    await until(() => aggregated() >= 20 * 51, 60_000)
    const ready = performance.now() - t0
    const times: number[] = []
    for (let i = 0; i < 50; i++) {
      // An upstream re-listing invalidates the sorted view; time the list that follows.
      reg.setEnabled('s00_tool_000', i % 2 === 0)
      const t = performance.now()
      reg.list()
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    return [
      { measure: '20 upstreams × 50 tools: start until all listed in the registry', value: ready, unit: 'ms', note: `${aggregated()} aggregated tools, ${reg.list({ includeDisabled: true }).length} in all` },
      { measure: 'tools list of 1,020 aggregated tools after a change p50', value: percentile(times, 50), unit: 'ms', note: `p99 ${percentile(times, 99).toFixed(3)} ms` },
    ]
  } finally {
    await hub.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export default {
  name: 'aggregator',
  async run() {
    return [...(await stdioRows()), ...(await httpRows()), ...(await scaleRows())]
  },
} satisfies Bench
