import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LoggingMessageNotificationSchema, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { textResult, type ToolDefinition } from '../../src/mcp/types'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'
import { insertConversation, mcpClient, until } from '../helpers/mcp'

let hub: TestHub
let listOnly: string
let aborted = 0
const noArgs = { type: 'object', properties: {} }

const longTool: ToolDefinition = {
  name: 'test_wait_long',
  description: 'waits until cancelled',
  inputSchema: noArgs,
  source: 'test',
  handler: (_a, ctx) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(textResult('finished')), 10_000)
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), aborted++, resolve(textResult('stopped'))), { once: true })
    }),
}
const progressTool: ToolDefinition = {
  name: 'test_count',
  description: 'counts to 3 with progress',
  inputSchema: noArgs,
  source: 'test',
  handler: async (_a, ctx) => {
    for (let i = 1; i <= 3; i++) {
      ctx.progress?.({ progress: i, total: 3, message: `step ${i}` })
      await Bun.sleep(5)
    }
    return textResult('counted')
  },
}

beforeAll(async () => {
  hub = await startTestHub()
  hub.services.tools.batch(() => {
    hub.services.tools.register(longTool)
    hub.services.tools.register(progressTool)
    hub.services.tools.register({
      name: 'test_logs',
      description: 'logs at debug and warning',
      inputSchema: noArgs,
      source: 'test',
      handler: (_a, ctx) => {
        ctx.log?.('debug', 'fine detail')
        ctx.log?.('warning', 'watch out')
        return textResult('logged')
      },
    })
    for (let i = 0; i < 150; i++) hub.services.tools.register({ ...progressTool, name: `bulk_${String(i).padStart(3, '0')}` })
  })
  listOnly = hub.services.auth.create({ name: 'lister', scopes: ['tools:list'] }).token
  insertConversation(hub.services.db.db, 'conv1', 'Garden plans', [
    ['user', 'When should I plant tomatoes?'],
    ['assistant', 'Plant tomatoes after the last frost.'],
  ])
})
afterAll(() => hub.close())

describe('/mcp with the v1 SDK client (2025-11-25)', () => {
  test('negotiates 2025-11-25 with a session and pages through every tool in name order', async () => {
    const { client, transport } = await mcpClient(hub.url, ADMIN_TOKEN)
    expect(transport.protocolVersion).toBe('2025-11-25')
    expect(transport.sessionId).toBeString()
    const names: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await client.listTools({ cursor })
      names.push(...page.tools.map((t) => t.name))
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 10)
    expect(pages).toBe(2)
    expect(names).toEqual([...names].sort())
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain('ai_configure')
    expect(names).toContain('bulk_149')
    expect(names.length).toBe(hub.services.tools.list().length)
    await expect(client.listTools({ cursor: 'garbage' })).rejects.toThrow(/invalid cursor/)
    await client.close()
  })

  test('calls a built-in tool and gets structured content; bad calls are named', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const res = await client.callTool({ name: 'config_get', arguments: { key: 'chat.max_tool_hops' } })
    expect(res.structuredContent).toEqual({ entries: [{ key: 'chat.max_tool_hops', value: 8, source: 'default' }] })
    const bad = await client.callTool({ name: 'history_search', arguments: { query: 5 } })
    expect(bad.isError).toBe(true)
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/field "query" must be string/)
    const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).catch((e) => e)
    expect(unknown).toBeInstanceOf(McpError)
    expect((unknown as McpError).code).toBe(-32602)
    await client.close()
  })

  test('progress notifications arrive before the result', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const seen: number[] = []
    const res = await client.callTool({ name: 'test_count', arguments: {} }, undefined, { onprogress: (p) => seen.push(p.progress) })
    expect(seen).toEqual([1, 2, 3])
    expect(res.content).toEqual([{ type: 'text', text: 'counted' }])
    await client.close()
  })

  test('log lines reach the client, filtered by the session’s logging/setLevel', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const lines: string[] = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      lines.push(`${n.params.level}:${n.params.data}`)
    })
    await client.callTool({ name: 'test_logs', arguments: {} })
    expect(lines).toEqual(['warning:watch out'])
    await client.setLoggingLevel('debug')
    await client.callTool({ name: 'test_logs', arguments: {} })
    expect(lines).toEqual(['warning:watch out', 'debug:fine detail', 'warning:watch out'])
    await client.close()
  })

  test('cancelling a long call aborts the handler on the server', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const before = aborted
    const ac = new AbortController()
    const started = Date.now()
    const pending = client.callTool({ name: 'test_wait_long', arguments: {} }, undefined, { signal: ac.signal })
    setTimeout(() => ac.abort('user stop'), 50)
    await expect(pending).rejects.toThrow()
    await until(() => aborted === before + 1)
    expect(Date.now() - started).toBeLessThan(5000)
    await client.close()
  })

  test('registering a tool at runtime sends tools/list_changed to connected sessions', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    let changes = 0
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++
    })
    // The standalone GET stream opens right after initialize; give it a moment.
    await Bun.sleep(100)
    const off = hub.services.tools.register({ ...progressTool, name: 'runtime_added' })
    await until(() => changes >= 1)
    const all = []
    let cursor: string | undefined
    do {
      const page = await client.listTools({ cursor })
      all.push(...page.tools.map((t) => t.name))
      cursor = page.nextCursor
    } while (cursor)
    expect(all).toContain('runtime_added')
    off()
    await until(() => changes >= 2)
    await client.close()
  })

  test('prompts: list and get, with the conversation embedded', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const { prompts } = await client.listPrompts()
    expect(prompts.map((p) => p.name)).toEqual(['recall', 'summarize_conversation'])
    const got = await client.getPrompt({ name: 'summarize_conversation', arguments: { conversation_id: 'conv1' } })
    const embedded = got.messages[0]!.content as { type: string; resource: { uri: string; text: string } }
    expect(embedded.type).toBe('resource')
    expect(embedded.resource.uri).toBe('hearth://conversations/conv1')
    expect(embedded.resource.text).toContain('Plant tomatoes after the last frost.')
    await expect(client.getPrompt({ name: 'summarize_conversation', arguments: {} })).rejects.toThrow(/conversation_id/)
    await client.close()
  })

  test('resources: config (secrets redacted), tools, conversations by template', async () => {
    const { client } = await mcpClient(hub.url, ADMIN_TOKEN)
    const { resources } = await client.listResources()
    const uris = resources.map((r) => r.uri)
    expect(uris).toEqual(expect.arrayContaining(['hearth://config', 'hearth://tools', 'hearth://conversations/conv1']))
    const { resourceTemplates } = await client.listResourceTemplates()
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('hearth://conversations/{id}')
    const config = JSON.parse(((await client.readResource({ uri: 'hearth://config' })).contents[0] as { text: string }).text) as { key: string }[]
    expect(config.find((e) => e.key === 'chat.max_tool_hops')).toMatchObject({ value: 8 })
    const conv = JSON.parse(((await client.readResource({ uri: 'hearth://conversations/conv1' })).contents[0] as { text: string }).text)
    expect(conv).toMatchObject({ id: 'conv1', title: 'Garden plans', messages: [{ role: 'user' }, { role: 'assistant' }] })
    const tools = JSON.parse(((await client.readResource({ uri: 'hearth://tools' })).contents[0] as { text: string }).text) as { name: string; source: string }[]
    expect(tools.find((t) => t.name === 'search_tools')).toMatchObject({ source: 'builtin' })
    await expect(client.readResource({ uri: 'hearth://conversations/nope' })).rejects.toThrow(/no conversation/)
    await client.ping()
    await client.close()
  })

  test('ending the session with DELETE frees it', async () => {
    const { client, transport } = await mcpClient(hub.url, ADMIN_TOKEN)
    const before = hub.services.mcp.sessionCount
    await transport.terminateSession()
    expect(hub.services.mcp.sessionCount).toBe(before - 1)
    const stale = await hub.api('/mcp', {
      method: 'POST',
      headers: { 'mcp-session-id': 'not-a-session', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(stale.status).toBe(404)
    await client.close()
  })
})

describe('/mcp authentication', () => {
  test('no token: 401 with a WWW-Authenticate pointing at the protected-resource metadata', async () => {
    const res = await hub.api('/mcp', { method: 'POST', token: null, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) })
    expect(res.status).toBe(401)
    const challenge = res.headers.get('www-authenticate')!
    expect(challenge).toContain(`resource_metadata="${hub.url}/.well-known/oauth-protected-resource"`)
    const meta = await (await fetch(`${hub.url}/.well-known/oauth-protected-resource`)).json()
    expect(meta).toMatchObject({ resource: `${hub.url}/mcp`, bearer_methods_supported: ['header'], scopes_supported: ['chat', 'tools:list', 'tools:call', 'admin'] })
    await expect(mcpClient(hub.url, null)).rejects.toThrow()
  })

  test('a token with only tools:list can list but not call (403)', async () => {
    const { client } = await mcpClient(hub.url, listOnly)
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await expect(client.callTool({ name: 'config_get', arguments: {} })).rejects.toThrow(/lacks the \\"tools:call\\" scope/)
    await client.close()
    const raw = await hub.api('/mcp', {
      method: 'POST',
      token: listOnly,
      headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'config_get', arguments: {} } }),
    })
    expect(raw.status).toBe(403)
    expect(raw.headers.get('www-authenticate')).toContain('insufficient_scope')
    expect(((await raw.json()) as { error: { message: string } }).error.message).toBe('this token lacks the "tools:call" scope')
  })
})
