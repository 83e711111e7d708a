import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { treeOf } from '../../src/aggregator/process-tree'
import type { ServerStatus } from '../../src/aggregator/types'
import { toolSwitches } from '../../src/db/schema'
import { textResult } from '../../src/mcp/types'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, ctx, EVERYTHING, MANY, serverStatus, textOf, waitReady } from './support'

const post = (hub: TestHub, path: string, body?: unknown) => hub.api(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) })

describe('aggregator: /api/v1/mcp/servers', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({ yaml: `mcp:\n  servers:\n    filed: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "1"] }\n` })
    // A built-in that an upstream tool will collide with.
    hub.services.tools.register({ name: 'beta_tool_000', description: 'built in', inputSchema: { type: 'object' }, source: 'builtin', handler: () => textResult('builtin') })
  }, 30_000)
  afterAll(() => hub.close())

  test('servers are added at run time and start; bad specs are refused with reasons', async () => {
    const res = await post(hub, '/api/v1/mcp/servers', { name: 'a', command: BUN, args: [MANY, '--names', 'b_c'] })
    expect(res.status).toBe(201)
    expect(((await res.json()) as ServerStatus).name).toBe('a')
    await waitReady(hub, 'a')

    const bad = await post(hub, '/api/v1/mcp/servers', { name: 'nothing' })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('needs a command (stdio) or a url (HTTP)')
    expect((await post(hub, '/api/v1/mcp/servers', { name: 'bad name!', command: 'x' })).status).toBe(400)
    expect((await post(hub, '/api/v1/mcp/servers', { name: 'a', command: 'x' })).status).toBe(409)
    expect((await post(hub, '/api/v1/mcp/servers', { name: 'u', url: 'ftp://x' })).status).toBe(422)
    const list = (await (await hub.api('/api/v1/mcp/servers')).json()) as { servers: ServerStatus[] }
    expect(list.servers.map((s) => [s.name, s.origin])).toEqual([['a', 'api'], ['filed', 'config']])
  })

  test('colliding names are resolved deterministically and shown in the status', async () => {
    await post(hub, '/api/v1/mcp/servers', { name: 'a_b', command: BUN, args: [MANY, '--names', 'c'] })
    await post(hub, '/api/v1/mcp/servers', { name: 'beta', command: BUN, args: [MANY, '--tools', '1'] })
    const ab = await waitReady(hub, 'a_b')
    const beta = await waitReady(hub, 'beta')
    expect(ab.collisions).toEqual([{ kind: 'tool', name: 'c', wanted: 'a_b_c', exposed: 'a_b_c_2', with: 'a/b_c' }])
    expect(beta.collisions).toEqual([{ kind: 'tool', name: 'tool_000', wanted: 'beta_tool_000', exposed: 'beta_tool_000_2', with: 'builtin' }])
    // Routed by table, not by the name: each goes to its own server.
    expect(textOf(await hub.services.tools.call('a_b_c', { text: '1' }, ctx()))).toBe('b_c:1')
    expect(textOf(await hub.services.tools.call('a_b_c_2', { text: '2' }, ctx()))).toBe('c:2')
    expect(textOf(await hub.services.tools.call('beta_tool_000', {}, ctx()))).toBe('builtin')
    expect(textOf(await hub.services.tools.call('beta_tool_000_2', { text: '3' }, ctx()))).toBe('tool_000:3')
  })

  test('a single tool is switched off and on, and the switch is stored', async () => {
    const off = await post(hub, '/api/v1/mcp/servers/a_b/tools/c/disable')
    expect(off.status).toBe(200)
    expect(await off.json()).toMatchObject({ name: 'c', exposed: 'a_b_c_2', enabled: false })
    expect(hub.services.tools.get('a_b_c_2')!.enabled).toBe(false)
    expect(hub.services.tools.list().some((t) => t.name === 'a_b_c_2')).toBe(false)
    expect((await hub.services.tools.call('a_b_c_2', {}, ctx())).isError).toBe(true)
    const row = hub.services.db.db.select().from(toolSwitches).where(eq(toolSwitches.name, 'mcp:a_b:c')).get()
    expect(row?.enabled).toBe(false)
    // Survives a restart of the server.
    await post(hub, '/api/v1/mcp/servers/a_b/disable')
    await post(hub, '/api/v1/mcp/servers/a_b/enable')
    await waitReady(hub, 'a_b')
    expect(hub.services.tools.get('a_b_c_2')!.enabled).toBe(false)
    await post(hub, '/api/v1/mcp/servers/a_b/tools/a_b_c_2/enable')
    expect(hub.services.tools.get('a_b_c_2')!.enabled).toBe(true)
    expect((await post(hub, '/api/v1/mcp/servers/a_b/tools/nope/disable')).status).toBe(404)
  })

  test('a switch flipped through the registry itself is kept across a server restart', async () => {
    hub.services.tools.setEnabled('a_b_c_2', false)
    await post(hub, '/api/v1/mcp/servers/a_b/disable')
    await post(hub, '/api/v1/mcp/servers/a_b/enable')
    const s = await waitReady(hub, 'a_b')
    expect(s.tool_list.find((t) => t.name === 'c')!.enabled).toBe(false)
    hub.services.tools.setEnabled('a_b_c_2', true)
    expect((await serverStatus(hub, 'a_b')).tool_list.find((t) => t.name === 'c')!.enabled).toBe(true)
  })

  test('edit restarts with the new spec; delete ends the process; config servers are read-only here', async () => {
    const before = await serverStatus(hub, 'a')
    const put = await hub.api('/api/v1/mcp/servers/a', { method: 'PUT', body: JSON.stringify({ command: BUN, args: [MANY, '--names', 'x,y'] }) })
    expect(put.status).toBe(200)
    const after = await waitReady(hub, 'a')
    expect(after.tool_list.map((t) => t.exposed)).toEqual(['a_add_tool', 'a_x', 'a_y'])
    expect(treeOf(before.pid!)).toEqual([])
    // a no longer holds a_b_c, so a_b's tool gets its plain name back.
    expect(hub.services.tools.has('a_b_c')).toBe(true)
    expect((await serverStatus(hub, 'a_b')).collisions).toEqual([])

    const del = await hub.api('/api/v1/mcp/servers/a', { method: 'DELETE' })
    expect(del.status).toBe(204)
    expect(treeOf(after.pid!)).toEqual([])
    expect(hub.services.tools.has('a_x')).toBe(false)
    expect((await hub.api('/api/v1/mcp/servers/a')).status).toBe(404)

    expect((await hub.api('/api/v1/mcp/servers/filed', { method: 'DELETE' })).status).toBe(409)
    expect((await hub.api('/api/v1/mcp/servers/filed', { method: 'PUT', body: JSON.stringify({ command: 'x' }) })).status).toBe(409)
  })

  test('secrets in a spec are masked; the API needs the admin scope', async () => {
    await post(hub, '/api/v1/mcp/servers', { name: 'secret', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer top-secret' }, enabled: false })
    const body = await (await hub.api('/api/v1/mcp/servers/secret')).json()
    expect(JSON.stringify(body)).not.toContain('top-secret')
    const { token } = (await (await post(hub, '/api/v1/tokens', { name: 'lister', scopes: ['tools:list'] })).json()) as { token: string }
    expect((await hub.api('/api/v1/mcp/servers', { token })).status).toBe(403)
    expect((await hub.api('/api/v1/mcp/servers', { token: null })).status).toBe(401)
  })

  test('read-only idempotent tools are cached for cache_ttl_s; others never', async () => {
    await post(hub, '/api/v1/mcp/servers', { name: 'ev', command: BUN, args: [EVERYTHING, 'stdio'], cache_ttl_s: 60 })
    await waitReady(hub, 'ev')
    const args = { duration: 0.3, steps: 1 }
    const t0 = performance.now()
    const first = await hub.services.tools.call('ev_trigger-long-running-operation', args, ctx())
    const t1 = performance.now()
    const second = await hub.services.tools.call('ev_trigger-long-running-operation', args, ctx())
    const t2 = performance.now()
    expect(second).toEqual(first)
    expect(t1 - t0).toBeGreaterThan(250)
    expect(t2 - t1).toBeLessThan(200)
    expect((await serverStatus(hub, 'ev')).calls).toBe(1)
    // Not read-only and idempotent: every call goes upstream.
    expect(hub.services.tools.get('ev_toggle-simulated-logging')!.annotations?.idempotentHint).not.toBe(true)
    await hub.services.tools.call('ev_toggle-simulated-logging', {}, ctx())
    await hub.services.tools.call('ev_toggle-simulated-logging', {}, ctx())
    expect((await serverStatus(hub, 'ev')).calls).toBe(3)
  })

  test('runtime servers are stored, so the next start brings them back', async () => {
    expect((await serverStatus(hub, 'ev')).origin).toBe('api')
    const rows = hub.services.db.sqlite.query('SELECT name FROM mcp_servers ORDER BY name').all() as { name: string }[]
    expect(rows.map((r) => r.name)).toEqual(['a_b', 'beta', 'ev', 'secret'])
  })
})
