import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { mcpClient } from '../helpers/mcp'
import { BUN, EVERYTHING, MEMORY, textOf, until, waitReady } from './support'

/** Aggregated tools as the outside sees them: REST (plain and ndjson), /mcp, search_tools. */
describe('aggregator: aggregated tools on every surface', () => {
  let hub: TestHub
  const dir = mkdtempSync(join(tmpdir(), 'hearth-surfaces-'))
  beforeAll(async () => {
    hub = await startTestHub({
      yaml: `mcp:
  servers:
    memory: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MEMORY)}], env: { MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'm.jsonl'))} } }
    everything: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(EVERYTHING)}, stdio] }
`,
    })
    await Promise.all([waitReady(hub, 'memory'), waitReady(hub, 'everything')])
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  const rest = (path: string, body: unknown, headers: Record<string, string> = {}) => hub.api(path, { method: 'POST', body: JSON.stringify(body), headers })

  test('POST /tools/list and /tools/call reach the upstream', async () => {
    const list = (await (await rest('/tools/list', {})).json()) as { tools: { name: string }[] }
    expect(list.tools.map((t) => t.name)).toContain('memory_create_entities')
    const created = await rest('/tools/call', { name: 'memory_create_entities', arguments: { entities: [{ name: 'Toaster', entityType: 'appliance', observations: ['crumbs'] }] } })
    expect(created.status).toBe(200)
    const graph = await rest('/tools/call', { name: 'memory_read_graph', arguments: {} })
    expect(textOf((await graph.json()) as never)).toContain('Toaster')
    // Arguments are checked against the upstream's own schema before the server is bothered.
    const bad = await rest('/tools/call', { name: 'memory_create_entities', arguments: { entities: 'nope' } })
    expect(bad.status).toBe(422)
  })

  test('ndjson streams the upstream progress, then the result', async () => {
    const res = await rest('/tools/call', { name: 'everything_trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { accept: 'application/x-ndjson' })
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; progress?: number })
    expect(lines.at(-1)!.type).toBe('result')
    const progress = lines.filter((l) => l.type === 'progress').map((l) => l.progress)
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress).toEqual([...progress].sort())
  })

  test('/mcp lists and calls them; switching a server off notifies the client', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    try {
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toContain('everything_echo')
      const res = await client.callTool({ name: 'everything_echo', arguments: { message: 'via /mcp' } })
      expect(textOf(res as never)).toBe('Echo: via /mcp')
      let notified = 0
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified++)
      await hub.api('/api/v1/mcp/servers/memory/disable', { method: 'POST' })
      await until('list_changed', () => notified > 0)
      expect((await client.listTools()).tools.some((t) => t.name.startsWith('memory_'))).toBe(false)
      await hub.api('/api/v1/mcp/servers/memory/enable', { method: 'POST' })
      await waitReady(hub, 'memory')
      expect((await client.listTools()).tools.some((t) => t.name === 'memory_read_graph')).toBe(true)
    } finally {
      await client.close()
    }
  })

  test('search_tools finds aggregated tools by server and purpose', async () => {
    const res = await rest('/tools/call', { name: 'search_tools', arguments: { query: 'knowledge graph entities' } })
    const hits = ((await res.json()) as { structuredContent: { results: { name: string; source: string }[] } }).structuredContent.results
    expect(hits[0]!.source).toBe('mcp:memory')
    const echo = await rest('/tools/call', { name: 'search_tools', arguments: { query: 'everything echo' } })
    expect(((await echo.json()) as { structuredContent: { results: { name: string }[] } }).structuredContent.results[0]!.name).toBe('everything_echo')
  })
})
