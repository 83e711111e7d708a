import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { textResult } from '../../src/mcp/types'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { until } from '../helpers/mcp'

let hub: TestHub

async function modernClient(token = ADMIN_TOKEN) {
  const client = new Client({ name: 'hearth-test-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${hub.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return client
}

beforeAll(async () => {
  hub = await startTestHub()
  hub.services.tools.register({
    name: 'test_steps',
    description: 'two progress steps',
    inputSchema: { type: 'object', properties: {} },
    source: 'test',
    handler: async (_a, ctx) => {
      ctx.progress?.({ progress: 1, total: 2 })
      await Bun.sleep(5)
      ctx.progress?.({ progress: 2, total: 2 })
      return textResult('stepped')
    },
  })
})
afterAll(() => hub.close())

describe('/mcp with the v2 SDK client (2026-07-28)', () => {
  test('negotiates 2026-07-28 statelessly (server/discover, no session) and lists/calls tools', async () => {
    const client = await modernClient()
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28')
    expect(hub.services.mcp.sessionCount).toBe(0)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([...tools.map((t) => t.name)].sort())
    expect(tools.find((t) => t.name === 'search_tools')?.annotations).toMatchObject({ readOnlyHint: true })
    const res = await client.callTool({ name: 'search_tools', arguments: { query: 'configuration' } })
    expect((res.structuredContent as { results: { name: string }[] }).results[0]!.name).toMatch(/^config_/)
    await client.close()
  })

  test('pages through many tools with an opaque cursor; an unknown tool is a protocol error', async () => {
    const undo = hub.services.tools.batch(() => {
      const offs = Array.from({ length: 150 }, (_, i) =>
        hub.services.tools.register({ name: `many_${String(i).padStart(3, '0')}`, description: 'one of many', inputSchema: { type: 'object' }, source: 'test', handler: () => textResult('x') }),
      )
      return () => offs.forEach((off) => off())
    })
    try {
      const client = await modernClient()
      const names: string[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await client.listTools({ cursor })
        names.push(...page.tools.map((t) => t.name))
        cursor = page.nextCursor
      } while (cursor && ++pages < 10)
      expect(names.length).toBe(hub.services.tools.list().length)
      expect(names).toEqual([...names].sort())
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/unknown tool "no_such_tool"/)
      await client.close()
    } finally {
      undo()
    }
  })

  test('auto negotiation picks the newest revision the hub serves', async () => {
    const client = new Client({ name: 'auto', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${hub.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } } }))
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28')
    await client.close()
  })

  test('progress notifications stream before the result', async () => {
    const client = await modernClient()
    const seen: number[] = []
    const res = await client.callTool({ name: 'test_steps', arguments: {} }, { onprogress: (p) => seen.push(p.progress) })
    expect(seen).toEqual([1, 2])
    expect(res.content).toEqual([{ type: 'text', text: 'stepped' }])
    await client.close()
  })

  test('prompts and resources are served the same way as for 2025 clients', async () => {
    const client = await modernClient()
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('summarize_conversation')
    const read = await client.readResource({ uri: 'hearth://config' })
    expect((read.contents[0] as { text: string }).text).toContain('chat.max_tool_hops')
    await client.close()
  })

  test('subscriptions/listen delivers tools/list_changed when the registry changes', async () => {
    const client = await modernClient()
    let changes = 0
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes++
    })
    const sub = await client.listen({ toolsListChanged: true })
    const off = hub.services.tools.register({ name: 'late_tool', description: 'late', inputSchema: { type: 'object' }, source: 'test', handler: () => textResult('hi') })
    await until(() => changes === 1)
    off()
    await until(() => changes === 2)
    await sub.close()
    await client.close()
  })

  test('a token without tools:call is refused with 403 on the 2026 leg too', async () => {
    const lister = hub.services.auth.create({ name: 'v2-lister', scopes: ['tools:list'] }).token
    const client = await modernClient(lister)
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await expect(client.callTool({ name: 'config_get', arguments: {} })).rejects.toThrow(/tools:call/)
    await client.close()
  })
})
