import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

/** The MCP Inspector's CLI (Node), as a user would point it at the hub with a bearer header. */
let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub()
})
afterAll(() => hub.close())

async function inspector(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const root = join(import.meta.dir, '../..')
  const proc = Bun.spawn(['node', join(root, 'node_modules/.bin/mcp-inspector'), '--cli', `${hub.url}/mcp`, '--header', `Authorization: Bearer ${ADMIN_TOKEN}`, ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
    // Its catalog lives under HOME; keep it inside the test's temp dir.
    env: { ...process.env, HOME: hub.dir },
  })
  const killer = setTimeout(() => proc.kill(), 30_000)
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(killer)
  return { code, out, err }
}

describe('MCP Inspector CLI', () => {
  test('lists every tool with portable schemas (no --strict warnings)', async () => {
    const { code, out, err } = await inspector('--method', 'tools/list', '--strict')
    expect(code).toBe(0)
    const names = (JSON.parse(out) as { tools: { name: string }[] }).tools.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(['ai_configure', 'batch_execute', 'call_tool', 'config_get', 'config_set', 'history_search', 'provider_switch', 'search_tools']))
    expect(err).not.toContain('Warning')
  }, 40_000)

  test('calls a tool with arguments', async () => {
    const { code, out } = await inspector('--method', 'tools/call', '--tool-name', 'config_get', '--tool-arg', 'key=chat.max_tool_hops')
    expect(code).toBe(0)
    expect(JSON.parse(out).structuredContent).toEqual({ entries: [{ key: 'chat.max_tool_hops', value: 8, source: 'default' }] })
  }, 40_000)
})
