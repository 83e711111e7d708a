import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChatHub, type ChatHub } from '../chat/setup'
import { BUN, ctx, MEMORY, textOf, waitReady } from './support'

/** The model calls an aggregated tool during a chat: offered, executed upstream, fed back. */
describe('aggregator: an external server\'s tool in the chat tool loop', () => {
  let h: ChatHub
  const dir = mkdtempSync(join(tmpdir(), 'hearth-agg-chat-'))
  beforeAll(async () => {
    h = await startChatHub(
      [
        'chat: { provider: oa }',
        'mcp:',
        '  servers:',
        `    memory: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MEMORY)}], env: { MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'm.jsonl'))} } }`,
      ].join('\n'),
    )
    await waitReady(h.hub, 'memory')
  }, 30_000)
  afterAll(async () => {
    await h.close()
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  test('memory_create_entities called by the model reaches server-memory and its result goes back', async () => {
    const a = await h.client()
    const entities = [{ name: 'Boiler', entityType: 'appliance', observations: ['serviced in May'] }]
    h.fakes.oa.queue({ toolCalls: [{ id: 'call_1', name: 'memory_create_entities', args: { entities } }] }, { text: ['Noted.'] })
    const end = await a.request({ action: 'chat', request_id: 'r1', text: 'Remember the boiler was serviced in May' })
    expect(end.status).toBe('complete')
    const tools = a.of('r1').filter((f) => f.status === 'tool_execution').map((f) => f.tool)
    expect(tools.map((t) => [t.name, t.status])).toEqual([
      ['memory_create_entities', 'executing'],
      ['memory_create_entities', 'completed'],
    ])
    expect(a.text('r1')).toBe('Noted.')
    // The model was offered the aggregated tool and got the server's answer back.
    const [first, second] = h.fakes.oa.requests.slice(-2).map((r) => JSON.stringify(r.body))
    expect(first).toContain('memory_create_entities')
    expect(second).toContain('Boiler')
    // And the upstream really stored it.
    expect(textOf(await h.hub.services.tools.call('memory_read_graph', {}, ctx()))).toContain('serviced in May')
  })
})
