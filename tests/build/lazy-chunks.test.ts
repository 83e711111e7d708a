import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * SPEC §11 idle RSS: what the binary loads at start is the entry chunk and everything it imports
 * statically; a dynamic `import()` is a chunk loaded on first use. Bundling the way
 * scripts/build.ts does (`--splitting`) and walking the static imports shows whether a heavy
 * library crept back into start-up: the MCP SDKs (≈11 MB together), ajv, mqtt and the provider SDKs
 * must each load only when first needed.
 */
const ROOT = resolve(import.meta.dir, '../..')
const LAZY = ['@modelcontextprotocol/', 'ajv/', 'ajv-formats/', 'zod/', 'mqtt/', 'openai/', '@anthropic-ai/', '@google/genai/']

type Meta = { outputs: Record<string, { entryPoint?: string; imports?: { path: string; kind: string }[]; inputs: Record<string, unknown> }> }

describe('start-up chunk of the bundle', () => {
  let dir: string
  let meta: Meta
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-chunks-'))
    const proc = Bun.spawn(
      [process.execPath, 'build', '--production', '--format=esm', '--minify', '--target=bun', '--splitting', `--outdir=${join(dir, 'out')}`, `--metafile=${join(dir, 'meta.json')}`, join(ROOT, 'src/main.ts')],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdout: 'pipe', stderr: 'pipe' },
    )
    const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited])
    if (code !== 0) throw new Error(`bun build failed: ${err}`)
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function closure(dynamic: boolean): { chunks: Set<string>; inputs: string[] } {
    const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o]!.entryPoint?.endsWith('src/main.ts'))!
    const chunks = new Set<string>()
    const walk = (out: string) => {
      if (chunks.has(out) || !meta.outputs[out]) return
      chunks.add(out)
      for (const i of meta.outputs[out]!.imports ?? []) if (dynamic || i.kind === 'import-statement') walk(i.path.replace(/^(\.\/)?/, './'))
    }
    walk(entry)
    return { chunks, inputs: [...chunks].flatMap((c) => Object.keys(meta.outputs[c]!.inputs)) }
  }

  test('loads no MCP SDK, ajv, mqtt or provider SDK at start', () => {
    const { inputs } = closure(false)
    expect(inputs.some((i) => i.includes('node_modules/elysia/'))).toBe(true)
    expect(inputs.filter((i) => LAZY.some((lib) => i.includes(`node_modules/${lib}`)))).toEqual([])
  })

  test('each of them is still in the bundle, behind a dynamic import', () => {
    const { inputs } = closure(true)
    for (const lib of ['@modelcontextprotocol/server/', '@modelcontextprotocol/sdk/', '@modelcontextprotocol/client/', 'ajv/', 'mqtt/']) {
      expect(inputs.some((i) => i.includes(`node_modules/${lib}`))).toBe(true)
    }
  })
})
