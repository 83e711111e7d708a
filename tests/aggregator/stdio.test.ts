import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, ctx, EVERYTHING, serverStatus, SILENT, textOf, until, waitReady, withMarker } from './support'
import { treeOf } from '../../src/aggregator/process-tree'

const dir = mkdtempSync(join(tmpdir(), 'hearth-stdio-'))
const cancelLog = join(dir, 'cancelled.jsonl')
const yaml = `mcp:
  servers:
    everything: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(EVERYTHING)}, stdio], timeout_ms: 5000 }
    silent: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(SILENT)}], timeout_ms: 300, env: { CANCEL_LOG: ${JSON.stringify(cancelLog)} } }
    mute: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(SILENT)}, --mute], timeout_ms: 200 }
`
const cancelled = () => (existsSync(cancelLog) ? readFileSync(cancelLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { requestId: number; reason?: string }) : [])

describe('aggregator: server-everything over stdio', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({ yaml })
    await waitReady(hub, 'everything')
    await waitReady(hub, 'silent')
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  test('progress notifications of a long job reach the caller', async () => {
    const seen: { progress: number; total?: number }[] = []
    const res = await hub.services.tools.call('everything_trigger-long-running-operation', { duration: 0.4, steps: 4 }, ctx(undefined, (p) => seen.push(p)))
    expect(res.isError).toBeFalsy()
    expect(textOf(res)).toContain('Long running operation completed')
    // The SDK settles the call when the result arrives; the last step's notification, sent just
    // before it, may be dispatched after that, so 3 or 4 steps arrive, always in order.
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4].slice(0, seen.length))
    expect(seen[0]!.total).toBe(4)
  })

  test('cancelling a call ends it at once and the server stays usable', async () => {
    const ac = new AbortController()
    const t0 = performance.now()
    const pending = hub.services.tools.call('everything_trigger-long-running-operation', { duration: 10, steps: 10 }, ctx(ac.signal))
    setTimeout(() => ac.abort(), 150)
    const res = await pending
    expect(performance.now() - t0).toBeLessThan(2000)
    expect(res.isError).toBe(true)
    expect(textOf(res)).toContain('cancelled')
    const echo = await hub.services.tools.call('everything_echo', { message: 'still here' }, ctx())
    expect(textOf(echo)).toContain('still here')
  })

  test('a server that never answers times out with an error naming it', async () => {
    const t0 = performance.now()
    const res = await hub.services.tools.call('silent_wait', {}, ctx())
    expect(performance.now() - t0).toBeLessThan(3000)
    expect(res.isError).toBe(true)
    expect(textOf(res)).toContain('MCP server "silent" timed out')
    expect(textOf(res)).toContain('300 ms')
    // The SDK told the server to stop working on it.
    await until('cancel notification', () => cancelled().length === 1)
  })

  test('a server that hangs at start times out its handshake, backs off, and leaves no process', async () => {
    const s = await until('mute backing off', async () => {
      const st = await serverStatus(hub, 'mute')
      return st.state === 'backoff' && st.last_error ? st : null
    })
    expect(s.last_error).toMatch(/time/i)
    expect(s.tools).toBe(0)
    await hub.services.aggregator.setEnabled('mute', false)
    expect(withMarker(`${SILENT}\0--mute`)).toEqual([])
  })

  test('a cancel by the caller reaches the server as notifications/cancelled', async () => {
    const ac = new AbortController()
    const pending = hub.services.tools.call('silent_wait', {}, ctx(ac.signal))
    setTimeout(() => ac.abort(), 50)
    const res = await pending
    expect(textOf(res)).toContain('cancelled')
    await until('second cancel notification', () => cancelled().length === 2)
    const [timedOut, aborted] = cancelled()
    expect(aborted!.requestId).not.toBe(timedOut!.requestId)
  })

  test('bad upstream entries are skipped with a reason; odd names are sanitised', async () => {
    const s = await serverStatus(hub, 'silent')
    expect(s.skipped).toEqual([{ kind: 'tools', name: 'no_schema', reason: 'inputSchema is not a JSON Schema of type "object"' }])
    expect(s.tool_list.map((t) => t.exposed)).toEqual(['silent_bad_tool', 'silent_wait'])
    expect(hub.services.tools.has('silent_no_schema')).toBe(false)
  })

  test('kill -9 of the child: tools leave, the server is restarted with backoff and callable again', async () => {
    const before = await serverStatus(hub, 'everything')
    const changes: string[] = []
    const off = hub.services.tools.onChange((c) => changes.push(c.kind))
    process.kill(before.pid!, 'SIGKILL')
    await until('tools gone', () => !hub.services.tools.has('everything_echo'))
    const down = await serverStatus(hub, 'everything')
    expect(['backoff', 'starting']).toContain(down.state)
    expect(down.last_error).toContain('exited')
    const after = await waitReady(hub, 'everything')
    off()
    expect(after.pid).not.toBe(before.pid)
    expect(after.restarts).toBeGreaterThanOrEqual(before.restarts + 1)
    expect(changes).toContain('tools')
    expect(treeOf(before.pid!)).toEqual([])
    const res = await hub.services.tools.call('everything_echo', { message: 'back' }, ctx())
    expect(textOf(res)).toContain('back')
  })

  test('structured content and the output schema come through', async () => {
    expect(hub.services.tools.get('everything_get-structured-content')!.outputSchema).toBeDefined()
    const res = await hub.services.tools.call('everything_get-structured-content', { location: 'Chicago' }, ctx())
    expect(res.isError).toBeFalsy()
    expect(res.structuredContent).toMatchObject({ temperature: expect.any(Number) })
  })

  test('prompts and resources are aggregated and routed', async () => {
    const prompts = hub.services.tools.listPrompts().map((p) => p.name)
    expect(prompts).toContain('everything_simple-prompt')
    const got = await hub.services.tools.getPrompt('everything_simple-prompt', {}, ctx())
    expect(got.messages.length).toBeGreaterThan(0)
    const resources = await hub.services.tools.listResources(ctx())
    const mine = resources.filter((r) => r.source === 'mcp:everything')
    expect(mine.length).toBeGreaterThan(0)
    const read = await hub.services.tools.readResource(mine[0]!.uri, ctx())
    expect(read[0]!.uri).toBe(mine[0]!.uri)
    // Templates keep their URIs too; a URI that matches one is read from its server.
    const tpl = hub.services.tools.listResourceTemplates().find((t) => t.source === 'mcp:everything' && t.uriTemplate.includes('/text/'))!
    const uri = tpl.uriTemplate.replace('{resourceId}', '7')
    const dynamic = await hub.services.tools.readResource(uri, ctx())
    expect(dynamic[0]!.uri).toBe(uri)
    expect(dynamic[0]!.text).toContain('7')
    await expect(hub.services.tools.readResource('nowhere://x', ctx())).rejects.toThrow('unknown resource')
  })
})
