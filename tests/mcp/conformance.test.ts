import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../helpers/hub'
import { registerConformance } from '../fixtures/conformance-tools'

/**
 * The official conformance suite (a devDependency, run with Bun: it crashes on Node 20) against
 * /mcp, with its reference tools registered at run time through the registry API. The suite speaks
 * no bearer tokens, so this hub runs with auth off; scopes are tested in mcp-v1/mcp-v2.
 */
let hub: TestHub
let unregister: () => void

beforeAll(async () => {
  hub = await startTestHub({ yaml: 'auth:\n  enabled: false\n' })
  unregister = registerConformance(hub.services.tools)
})
afterAll(async () => {
  unregister?.()
  await hub?.close()
})

describe('official MCP conformance suite', () => {
  test(
    'every active server scenario passes against /mcp',
    async () => {
      // The installed package itself, never a fetch: run its entry with this Bun.
      const entry = join(import.meta.dir, '../../node_modules/@modelcontextprotocol/conformance/dist/index.js')
      const args = [entry, 'server', '--url', `${hub.url}/mcp`]
      const proc = Bun.spawn([process.execPath, ...args], { stdout: 'pipe', stderr: 'pipe', cwd: join(import.meta.dir, '../..') })
      const killer = setTimeout(() => proc.kill(), 100_000)
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
      clearTimeout(killer)
      const summary = out.slice(out.indexOf('=== SUMMARY ==='))
      const scenarios = [...summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed/gm)].map((m) => ({ name: m[2]!, ok: m[1] === '✓', failed: Number(m[4]) }))
      // The suite's own verdict: every scenario it ran, and its exit status.
      expect(scenarios.length).toBeGreaterThanOrEqual(29)
      const failing = scenarios.filter((s) => !s.ok || s.failed > 0).map((s) => s.name)
      expect(failing).toEqual([])
      for (const name of ['dns-rebinding-protection', 'tools-call-with-progress', 'tools-call-sampling', 'tools-call-elicitation', 'prompts-get-with-args', 'resources-templates-read']) {
        expect(scenarios.find((s) => s.name === name)?.ok).toBe(true)
      }
      if (code !== 0) console.error(out.slice(-4000), err.slice(-2000))
      expect(code).toBe(0)
    },
    { timeout: 120_000 },
  )
})
