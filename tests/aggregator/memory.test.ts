import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, MEMORY, serverStatus, textOf, waitReady } from './support'

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

  test('a call through POST /tools/call is routed to the server and answers', async () => {
    const call = async (name: string, args: unknown) => {
      const res = await hub.api('/tools/call', { method: 'POST', body: JSON.stringify({ name, arguments: args }) })
      expect(res.status).toBe(200)
      return (await res.json()) as { content: { type: string; text?: string }[]; isError?: boolean }
    }
    const created = await call('memory_create_entities', { entities: [{ name: 'Kettle', entityType: 'appliance', observations: ['in the kitchen'] }] })
    expect(created.isError).toBeFalsy()
    expect(textOf(await call('memory_read_graph', {}))).toContain('Kettle')
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
