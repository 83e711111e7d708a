import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { treeOf } from '../../src/aggregator/process-tree'
import { startTestHub, type TestHub } from '../helpers/hub'
import { BUN, ctx, MANY, MEMORY, serverStatus, SILENT, textOf, until, waitReady, withMarker } from './support'

describe('aggregator: lifecycle', () => {
  let hub: TestHub
  const dir = mkdtempSync(join(tmpdir(), 'hearth-lifecycle-'))
  const marker = `hearth-marker-${process.pid}-${Date.now()}`
  // sh → bun: a tree, like npx → node. `; true` keeps sh from exec-ing bun in its place.
  const tree = `${BUN} ${MEMORY} ${marker}; true`
  // The same shape with a server that starts in a few ms, for the 50 cycles.
  const fastMarker = `${marker}-fast`
  const fastTree = `${BUN} ${SILENT} ${fastMarker}; true`
  const serverYaml = (extra = '') =>
    `mcp:\n  servers:\n    tree: { command: sh, args: ["-c", ${JSON.stringify(tree)}], env: { MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'm.jsonl'))} } }\n` +
    `    fast: { command: sh, args: ["-c", ${JSON.stringify(fastTree)}], enabled: false }\n${extra}`

  beforeAll(async () => {
    hub = await startTestHub({ yaml: serverYaml() })
    await waitReady(hub, 'tree')
  }, 30_000)
  afterAll(async () => {
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
    expect(withMarker(marker)).toEqual([])
  }, 30_000)

  test('disable ends the whole process tree; tools leave and come back; listeners hear it', async () => {
    const s = await serverStatus(hub, 'tree')
    expect(treeOf(s.pid!).length).toBeGreaterThanOrEqual(2)
    let changes = 0
    const off = hub.services.tools.onChange((c) => c.kind === 'tools' && changes++)
    const res = await hub.api('/api/v1/mcp/servers/tree/disable', { method: 'POST' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { state: string }).state).toBe('stopped')
    expect(hub.services.tools.has('tree_read_graph')).toBe(false)
    expect(treeOf(s.pid!)).toEqual([])
    expect(withMarker(marker)).toEqual([])
    expect(changes).toBe(1)
    await hub.api('/api/v1/mcp/servers/tree/enable', { method: 'POST' })
    await waitReady(hub, 'tree')
    expect(hub.services.tools.has('tree_read_graph')).toBe(true)
    expect(changes).toBe(2)
    off()
    // A config-file server's switch is a config override: visible, and `config reset` drops it.
    expect(hub.services.config.overrideKeys()).toContain('mcp.servers.tree.enabled')
  })

  test('50 enable/disable cycles leave no orphan process and flat memory', async () => {
    const pids = new Set<number>()
    let rssAfterWarmup = 0
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 4) {
        // Switched off while still starting: the half-started tree must end too.
        await hub.services.aggregator.setEnabled('fast', true)
        await Bun.sleep(5)
      } else {
        await hub.services.aggregator.setEnabled('fast', true)
        const s = await waitReady(hub, 'fast')
        expect(treeOf(s.pid!).length).toBe(2)
        pids.add(s.pid!)
      }
      await hub.services.aggregator.setEnabled('fast', false)
      if (i === 9) {
        Bun.gc(true)
        rssAfterWarmup = process.memoryUsage().rss
      }
    }
    expect(pids.size).toBe(40)
    await until('no tree process left', () => withMarker(fastMarker).length === 0, 5000)
    for (const pid of pids) expect(treeOf(pid)).toEqual([])
    Bun.gc(true)
    const growth = process.memoryUsage().rss - rssAfterWarmup
    expect(growth).toBeLessThan(25 * 1024 * 1024)
    expect(hub.services.tools.list().some((t) => t.source === 'mcp:fast')).toBe(false)
  }, 60_000)

  test('an edit of the YAML adds, changes and removes a server without restart', async () => {
    writeFileSync(join(hub.dir, 'hearth.yaml'), serverYaml(`    many: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "3"] }\n`))
    await waitReady(hub, 'many')
    expect(hub.services.tools.has('many_tool_002')).toBe(true)
    writeFileSync(join(hub.dir, 'hearth.yaml'), serverYaml(`    many: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "2"], disabled_tools: [tool_000] }\n`))
    await until('re-spawned with 2 tools', () => !hub.services.tools.has('many_tool_002') && hub.services.tools.has('many_tool_001'))
    await until('tool_000 switched off', () => hub.services.tools.get('many_tool_000')?.enabled === false)
    const off = await hub.services.tools.call('many_tool_000', {}, ctx())
    expect(off.isError).toBe(true)
    writeFileSync(join(hub.dir, 'hearth.yaml'), serverYaml())
    await until('server removed', async () => (await hub.api('/api/v1/mcp/servers/many')).status === 404)
    expect(hub.services.tools.list().some((t) => t.source === 'mcp:many')).toBe(false)
  })

  test("an upstream's tools/list_changed re-lists it", async () => {
    writeFileSync(join(hub.dir, 'hearth.yaml'), serverYaml(`    many: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --tools, "1"] }\n`))
    await waitReady(hub, 'many')
    const res = await hub.services.tools.call('many_add_tool', { name: 'fresh' }, ctx())
    expect(textOf(res)).toBe('added fresh')
    await until('new tool listed', () => hub.services.tools.has('many_fresh'))
    expect(textOf(await hub.services.tools.call('many_fresh', { text: 'x' }, ctx()))).toBe('fresh:x')
  })

  test('a stdio server on the v2 SDK (2026-07-28 line) is served through the 2025 handshake it also speaks', async () => {
    writeFileSync(join(hub.dir, 'hearth.yaml'), serverYaml(`    v2: { command: ${JSON.stringify(BUN)}, args: [${JSON.stringify(MANY)}, --v2, --tools, "1"] }\n`))
    await waitReady(hub, 'v2')
    expect(textOf(await hub.services.tools.call('v2_tool_000', { text: 'x' }, ctx()))).toBe('tool_000:x')
    expect(textOf(await hub.services.tools.call('v2_add_tool', { name: 'later' }, ctx()))).toBe('added later')
    await until('v2 list_changed re-listed', () => hub.services.tools.has('v2_later'))
  })

  test('a node-style server runs on the embedded Bun runtime when node is not on PATH', async () => {
    const yaml = serverYaml(`    nodeless: { command: node, args: [${JSON.stringify(MEMORY)}], env: { PATH: "/nonexistent", MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'n.jsonl'))} } }\n`)
    writeFileSync(join(hub.dir, 'hearth.yaml'), yaml)
    const s = await waitReady(hub, 'nodeless')
    expect(readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0')).toContain('BUN_BE_BUN=1')
    expect(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0')[0]).toBe(BUN)
    const res = await hub.services.tools.call('nodeless_read_graph', {}, ctx())
    expect(res.isError).toBeFalsy()
  })

  test('a hub that exits without stopping still ends its servers (exit hook)', async () => {
    const exitMarker = `${marker}-exit`
    const script = join(dir, 'abrupt.ts')
    writeFileSync(
      script,
      `import { startHub } from ${JSON.stringify(join(import.meta.dir, '../../src/hub'))}
const hub = await startHub({ configPath: ${JSON.stringify(join(dir, 'abrupt.yaml'))}, dataDir: ${JSON.stringify(join(dir, 'abrupt-data'))}, env: { HEARTH_ADMIN_TOKEN: 'hth_abrupt_0123456789abcdef' }, host: '127.0.0.1', port: 0, logSink: () => {}, print: () => {} })
while (!hub.services.tools.has('x_wait')) await Bun.sleep(10)
console.log('up')
process.exit(0)
`,
    )
    writeFileSync(join(dir, 'abrupt.yaml'), `mcp:\n  servers:\n    x: { command: sh, args: ["-c", ${JSON.stringify(`${BUN} ${SILENT} --linger ${exitMarker}; true`)}] }\n`)
    const child = Bun.spawn([BUN, script], { stdout: 'pipe', stderr: 'pipe' })
    expect(await child.exited).toBe(0)
    expect(await new Response(child.stdout).text()).toContain('up')
    await until('servers of the dead hub gone', () => withMarker(exitMarker).length === 0, 3000)
  }, 30_000)
})
