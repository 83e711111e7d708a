import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, ctx, MEMORY, serverStatus, textOf, waitReady } from './support'

describe('aggregator: server-memory over stdio', () => {
  let hub: TestHub
  const dir = mkdtempSync(join(tmpdir(), 'hearth-memory-'))
  beforeAll(async () => {
    const env = JSON.stringify({ MEMORY_FILE_PATH: join(dir, 'memory.jsonl') })
    hub = await startTestHub({ yaml: `mcp:\n  servers:\n    memory: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MEMORY)}], env: ${env} }\n` })
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  test('its tools enter the registry name-spaced by server', async () => {
    const s = await waitReady(hub, 'memory')
    const names = hub.services.tools.list().map((t) => t.name)
    expect(names).toContain('memory_read_graph')
    expect(names).toContain('memory_create_entities')
    expect(s.tools).toBe(names.filter((n) => n.startsWith('memory_')).length)
    expect(hub.services.tools.get('memory_read_graph')!.source).toBe('mcp:memory')
    expect(s.transport).toBe('stdio')
    expect(s.pid).toBeGreaterThan(0)
  })

  test('a call is routed to the server and answers', async () => {
    const created = await hub.services.tools.call('memory_create_entities', { entities: [{ name: 'Kettle', entityType: 'appliance', observations: ['in the kitchen'] }] }, ctx())
    expect(created.isError).toBeFalsy()
    const graph = await hub.services.tools.call('memory_read_graph', {}, ctx())
    expect(textOf(graph)).toContain('Kettle')
    expect((await serverStatus(hub, 'memory')).last_call_ms).toBeGreaterThan(0)
  })

  test('health lists the server', async () => {
    const res = await hub.api('/api/v1/health', { token: null })
    const body = (await res.json()) as { mcp_servers: { status: string; servers: Record<string, { state: string; tools: number }> } }
    expect(body.mcp_servers.status).toBe('ok')
    expect(body.mcp_servers.servers.memory!.state).toBe('ready')
    expect(body.mcp_servers.servers.memory!.tools).toBeGreaterThan(5)
  })
})
