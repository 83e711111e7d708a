import { describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import { join, resolve } from 'node:path'

const SRC = resolve(import.meta.dir, '../../src')
const SDK = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+['"](openai|@anthropic-ai\/sdk|@google\/genai)(?:\/[^'"]*)?['"]/

describe('vendor SDKs load only when a provider of that kind is used (memory on a Pi)', () => {
  test('no source file imports a vendor SDK statically; each adapter imports its own dynamically', async () => {
    const offenders: string[] = []
    for await (const f of new Glob('**/*.ts').scan(SRC)) {
      if (SDK.test(await Bun.file(join(SRC, f)).text())) offenders.push(f)
    }
    expect(offenders).toEqual([])
    expect(await Bun.file(join(SRC, 'providers/openai.ts')).text()).toContain("await import('openai')")
    expect(await Bun.file(join(SRC, 'providers/anthropic.ts')).text()).toContain("await import('@anthropic-ai/sdk')")
    expect(await Bun.file(join(SRC, 'providers/gemini.ts')).text()).toContain("await import('@google/genai')")
  })

  test('the checker catches a static import', () => {
    expect(SDK.test("import OpenAI from 'openai'")).toBe(true)
    expect(SDK.test("import { GoogleGenAI } from '@google/genai'")).toBe(true)
    expect(SDK.test("import type { Foo } from 'openai'")).toBe(false)
  })
})
