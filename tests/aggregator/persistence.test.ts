import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerStatus } from '../../src/aggregator/types'
import { startHub, type Hub } from '../../src/hub'
import { ADMIN_TOKEN } from '../helpers/hub'
import { BUN, MANY, MEMORY, until } from './support'

describe('aggregator: servers_file and what survives a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-agg-persist-'))
  const configPath = join(dir, 'hearth.yaml')
  writeFileSync(configPath, 'mcp:\n  servers_file: servers_config.json\n')
  // Copied from an MCP server's README, unchanged in shape (Claude Desktop's format).
  writeFileSync(
    join(dir, 'servers_config.json'),
    JSON.stringify({
      mcpServers: {
        mem: { command: BUN, args: [MEMORY], env: { MEMORY_FILE_PATH: join(dir, 'mem.jsonl') } },
        parked: { command: BUN, args: [MEMORY], disabled: true },
      },
    }),
  )
  let hub: Hub | undefined
  const start = async () =>
    (hub = await startHub({ configPath, dataDir: join(dir, 'data'), env: { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN }, host: '127.0.0.1', port: 0, logSink: () => {}, print: () => {} }))
  const api = (path: string, method = 'GET', body?: unknown) =>
    fetch(hub!.url + path, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const state = async (name: string) => ((await (await api(`/api/v1/mcp/servers/${name}`)).json()) as ServerStatus).state
  afterAll(async () => {
    await hub?.stop()
    rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  test('servers from a Claude-Desktop mcpServers file run; "disabled": true is respected', async () => {
    await start()
    await until('mem ready', async () => (await state('mem')) === 'ready')
    expect(await state('parked')).toBe('stopped')
    expect(hub!.services.tools.has('mem_read_graph')).toBe(true)
  })

  test('run-time servers, tool switches and server switches outlive a restart; config reset undoes the switch', async () => {
    expect((await api('/api/v1/mcp/servers', 'POST', { name: 'extra', command: BUN, args: [MANY, '--tools', '2'] })).status).toBe(201)
    await until('extra ready', async () => (await state('extra')) === 'ready')
    expect((await api('/api/v1/mcp/servers/extra/tools/tool_001/disable', 'POST')).status).toBe(200)
    expect((await api('/api/v1/mcp/servers/mem/disable', 'POST')).status).toBe(200)
    await hub!.stop()

    await start()
    await until('extra ready again', async () => (await state('extra')) === 'ready')
    expect(hub!.services.tools.get('extra_tool_001')!.enabled).toBe(false)
    expect(hub!.services.tools.get('extra_tool_000')!.enabled).toBe(true)
    expect(await state('mem')).toBe('stopped')

    expect((await api('/api/v1/config/reset', 'POST')).status).toBe(200)
    await until('mem back on after config reset', async () => (await state('mem')) === 'ready')
  }, 30_000)
})
