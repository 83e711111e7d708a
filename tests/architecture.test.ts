import { describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * STYLE.md: imports flow one way (core ← db ← features ← chat ← admin ← app ← main), and a feature
 * reaches another feature only through its `types.ts`.
 */
const SRC = resolve(import.meta.dir, '../src')
const LAYER: Record<string, number> = {
  core: 0,
  db: 1,
  auth: 2,
  providers: 2,
  mcp: 2,
  zigbee: 2,
  aggregator: 3,
  system: 3,
  chat: 4,
  admin: 5,
  '(root)': 6,
  cli: 7,
  main: 8,
}

function areaOf(file: string): string {
  const rel = relative(SRC, file)
  if (rel === 'main.ts') return 'main'
  return rel.includes('/') ? rel.split('/')[0]! : '(root)'
}

function importsOf(text: string): string[] {
  const found: string[] = []
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push((m[1] ?? m[2])!)
  }
  return found
}

export function violations(files: Record<string, string>): string[] {
  const bad: string[] = []
  for (const [file, text] of Object.entries(files)) {
    const from = areaOf(file)
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue
      const target = resolve(dirname(file), spec)
      if (!target.startsWith(SRC)) continue
      const to = areaOf(target)
      if (to === from) continue
      const rel = relative(SRC, file)
      if (LAYER[to] === undefined || LAYER[from] === undefined) {
        bad.push(`${rel}: area "${LAYER[to] === undefined ? to : from}" has no place in the layer order`)
        continue
      }
      if (LAYER[to]! > LAYER[from]!) bad.push(`${rel} imports ${spec}: ${from} may not depend on ${to}`)
      const isFeature = (a: string) => !['core', 'db', '(root)', 'cli', 'main'].includes(a)
      if (isFeature(from) && isFeature(to) && !/\/types(\.ts)?$/.test(spec)) {
        bad.push(`${rel} imports ${spec}: across features only types.ts may be imported`)
      }
      if (from === 'core' && to !== 'core') bad.push(`${rel} imports ${spec}: core imports nothing from src/`)
    }
  }
  return bad
}

async function sources(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for await (const f of new Glob('**/*.ts').scan(SRC)) out[join(SRC, f)] = await Bun.file(join(SRC, f)).text()
  return out
}

describe('architecture', () => {
  test('imports flow one way and cross features only through types.ts', async () => {
    expect(violations(await sources())).toEqual([])
  })

  test('the checker catches a forbidden edge', () => {
    const files = {
      [join(SRC, 'core/bad.ts')]: "import { x } from '../db/client'",
      [join(SRC, 'mcp/bad.ts')]: "import { y } from '../zigbee/service'",
      [join(SRC, 'db/bad.ts')]: "import { z } from '../chat/types'",
    }
    const found = violations(files)
    expect(found.some((v) => v.includes('core may not depend on db'))).toBe(true)
    expect(found.some((v) => v.includes('only types.ts'))).toBe(true)
    expect(found.some((v) => v.includes('db may not depend on chat'))).toBe(true)
  })
})
