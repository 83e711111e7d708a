import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { allProcs } from '../../src/aggregator/process-tree'
import type { ServerStatus } from '../../src/aggregator/types'
import type { TestHub } from '../helpers/hub'

/** Real MCP servers from node_modules (devDependencies; nothing is fetched at test time). */
export const ROOT = resolve(import.meta.dir, '../..')
export const MEMORY = resolve(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')
export const EVERYTHING = resolve(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js')
export const SILENT = resolve(ROOT, 'tests/fakes/silent-mcp-server.ts')
export const MANY = resolve(ROOT, 'tests/fakes/many-tools-server.ts')
/** bun itself: runs the Node servers without needing node on the host. */
export const BUN = process.execPath

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v as NonNullable<T>
    } catch (err) {
      last = err
    }
    await Bun.sleep(25)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`)
}

export async function serverStatus(hub: TestHub, name: string): Promise<ServerStatus & { tool_list: { name: string; exposed: string; enabled: boolean }[] }> {
  const res = await hub.api(`/api/v1/mcp/servers/${name}`)
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`)
  return res.json() as never
}

export const waitReady = (hub: TestHub, name: string, timeoutMs = 15_000) =>
  until(`${name} ready`, async () => {
    const s = await serverStatus(hub, name)
    return s.state === 'ready' ? s : null
  }, timeoutMs)

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = s.port!
  s.stop(true)
  return port
}

/** Text of a tool result's first content block. */
export const textOf = (r: { content: { type: string; text?: string }[] }) => r.content.map((c) => c.text ?? '').join('')

export const ctx = (signal = new AbortController().signal, progress?: (p: { progress: number; total?: number }) => void) => ({
  signal,
  actor: 'test',
  surface: 'rest' as const,
  progress,
})

/** Processes whose command line holds `marker`: what an orphan of ours would look like. */
export function withMarker(marker: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      if (cmd.includes(marker)) out.push(Number(name))
    } catch {
      // exited while we looked
    }
  }
  return out.filter((pid) => allProcs().find((p) => p.pid === pid)?.state !== 'Z')
}

