import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { t } from 'elysia'
import { textResult } from '../../src/mcp/types'
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../helpers/hub'

let hub: TestHub
let lister: string
let caller: string
let stoppedEarly = false

beforeAll(async () => {
  hub = await startTestHub()
  const tools = hub.services.tools
  tools.register({
    name: 'test_progressive',
    description: 'reports progress then answers',
    inputSchema: t.Object({ steps: t.Number({ minimum: 1, maximum: 10 }) }),
    source: 'test',
    handler: async (args, ctx) => {
      for (let i = 1; i <= Number(args.steps); i++) {
        ctx.progress?.({ progress: i, total: Number(args.steps) })
        await Bun.sleep(2)
      }
      return textResult(`did ${args.steps}`, { steps: args.steps })
    },
  })
  tools.register({ name: 'test_throws', description: 'always throws', inputSchema: { type: 'object' }, source: 'test', handler: () => Promise.reject(new Error('sensor offline')) })
  tools.register({
    name: 'test_forever',
    description: 'runs until cancelled',
    inputSchema: { type: 'object' },
    source: 'test',
    handler: (_a, ctx) =>
      new Promise((resolve) => {
        ctx.progress?.({ progress: 0 })
        ctx.signal.addEventListener('abort', () => ((stoppedEarly = true), resolve(textResult('stopped'))), { once: true })
      }),
  })
  lister = hub.services.auth.create({ name: 'rest-lister', scopes: ['tools:list'] }).token
  caller = hub.services.auth.create({ name: 'rest-caller', scopes: ['tools:call'] }).token
})
afterAll(() => hub.close())

const call = (body: unknown, init: RequestInit & { token?: string | null } = {}) => hub.api('/tools/call', { method: 'POST', body: JSON.stringify(body), ...init })

describe('REST form of the registry', () => {
  test('POST /tools/list returns every enabled tool, sorted, without internals', async () => {
    const res = await hub.api('/tools/list', { method: 'POST', body: '{}', token: lister })
    expect(res.status).toBe(200)
    const { tools } = (await res.json()) as { tools: Record<string, unknown>[] }
    const names = tools.map((x) => x.name as string)
    expect(names).toEqual([...names].sort())
    expect(names).toContain('history_search')
    expect(tools[0]).not.toHaveProperty('source')
    expect(tools[0]).not.toHaveProperty('enabled')
  })

  test('POST /tools/call runs a tool (200) and a tool that throws is 200 with isError', async () => {
    const ok = await call({ name: 'test_progressive', arguments: { steps: 2 } }, { token: caller })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ content: [{ type: 'text', text: 'did 2' }], structuredContent: { steps: 2 } })
    const broken = await call({ name: 'test_throws', arguments: {} })
    expect(broken.status).toBe(200)
    expect(await broken.json()).toEqual({ content: [{ type: 'text', text: 'test_throws failed: sensor offline' }], isError: true })
  })

  test('unknown tool → 404; arguments failing the schema → 422 naming the field; malformed body → 400', async () => {
    const unknown = await call({ name: 'no_such', arguments: {} })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: { code: 'not_found', message: 'unknown tool "no_such"' } })
    const invalid = await call({ name: 'test_progressive', arguments: { steps: 'many' } })
    expect(invalid.status).toBe(422)
    const body = (await invalid.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.message).toContain('field "steps" must be number')
    const missing = await call({ name: 'test_progressive', arguments: {} })
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('missing required field "steps"')
    expect((await call({ arguments: {} })).status).toBe(400)
  })

  test('tokens: none → 401; tools:list only → cannot call (403)', async () => {
    const anon = await call({ name: 'config_get', arguments: {} }, { token: null })
    expect(anon.status).toBe(401)
    expect(anon.headers.get('www-authenticate')).toContain('resource_metadata=')
    expect((await call({ name: 'config_get', arguments: {} }, { token: lister })).status).toBe(403)
  })

  test('Accept: application/x-ndjson streams progress lines, then the result', async () => {
    const res = await call({ name: 'test_progressive', arguments: { steps: 3 } }, { headers: { accept: 'application/x-ndjson' } })
    expect(res.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toEqual([
      { type: 'progress', progress: 1, total: 3 },
      { type: 'progress', progress: 2, total: 3 },
      { type: 'progress', progress: 3, total: 3 },
      { type: 'result', content: [{ type: 'text', text: 'did 3' }], structuredContent: { steps: 3 } },
    ])
    const list = await hub.api('/tools/list', { method: 'POST', body: '{}', headers: { accept: 'application/x-ndjson' } })
    const rows = (await list.text()).trim().split('\n').map((l) => JSON.parse(l))
    expect(rows.at(-1)).toEqual({ type: 'done', count: rows.length - 1 })
    expect(rows[0].type).toBe('tool')
  })

  test('ndjson errors before the call are plain HTTP errors; a client that goes away cancels the tool', async () => {
    expect((await call({ name: 'nope' }, { headers: { accept: 'application/x-ndjson' } })).status).toBe(404)
    const ac = new AbortController()
    const res = await call({ name: 'test_forever', arguments: {} }, { headers: { accept: 'application/x-ndjson' }, signal: ac.signal })
    const reader = res.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(JSON.parse(first)).toEqual({ type: 'progress', progress: 0 })
    ac.abort()
    const end = Date.now() + 3000
    while (!stoppedEarly && Date.now() < end) await Bun.sleep(10)
    expect(stoppedEarly).toBe(true)
  })

  test('the admin token can call too (admin implies every scope)', async () => {
    expect((await call({ name: 'config_get', arguments: { key: 'server.port' } }, { token: ADMIN_TOKEN })).status).toBe(200)
  })
})
