import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startOpenAIFake } from '../fakes/openai-server'
import type { FakeServer } from '../fakes/fake-server'
import { ADMIN_TOKEN, startTestHub } from '../helpers/hub'
import { WsClient } from './ws-client'

const ROOT = resolve(import.meta.dir, '../..')
let fake: FakeServer
let dir: string
const procs: Bun.Subprocess[] = []

beforeAll(() => {
  fake = startOpenAIFake()
  dir = mkdtempSync(join(tmpdir(), 'hearth-chat-kill-'))
  writeFileSync(
    join(dir, 'hearth.yaml'),
    [
      'chat: { provider: oa, persistence: { interval_ms: 100, min_chars: 100000 } }',
      'providers:',
      `  oa: { kind: openai, base_url: "${fake.url}/v1", api_key: k, model: gpt-fake, max_retries: 0 }`,
    ].join('\n'),
  )
})
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL')
  await fake.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** `bun run src/main.ts serve` as its own process, on a free port; resolves with its URL. */
async function spawnHub(): Promise<{ proc: Bun.Subprocess; url: string }> {
  const proc = Bun.spawn(['bun', 'run', 'src/main.ts', 'serve', '--config', join(dir, 'hearth.yaml'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, HEARTH_ADMIN_TOKEN: ADMIN_TOKEN, HEARTH_LOG_LEVEL: 'error' },
    stdout: 'pipe',
    stderr: 'ignore',
  })
  procs.push(proc)
  const reader = proc.stdout.getReader()
  let out = ''
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const { value, done } = await reader.read()
    if (done) break
    out += new TextDecoder().decode(value)
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)
    if (m) {
      reader.releaseLock()
      return { proc, url: m[1]! }
    }
  }
  throw new Error(`hub did not start: ${out}`)
}

const chunk = (i: number) => `c${String(i).padStart(2, '0')} `

describe('persistence across a crash', () => {
  test('kill -9 mid-answer: after restart the question and the partial (at most one interval lost) are in history', async () => {
    const first = await spawnHub()
    fake.queue({ text: Array.from({ length: 80 }, (_, i) => chunk(i)), delayMs: 15 })
    const c = await WsClient.open(first.url, ADMIN_TOKEN)
    c.send({ action: 'chat', request_id: 'k', text: 'tell me a long story' })
    await c.next((f) => f.request_id === 'k' && f.chunk?.data === chunk(40), 10_000)
    const seen = c.text('k')
    first.proc.kill('SIGKILL')
    await first.proc.exited
    const conv = c.of('k')[0]!.conversation_id
    c.close()

    const second = await spawnHub()
    const res = await fetch(`${second.url}/api/v1/conversations/${conv}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.status).toBe(200)
    const { messages } = await res.json()
    expect(messages[0]).toMatchObject({ role: 'user', content: 'tell me a long story', status: 'complete' })
    const partial = messages[1]
    expect(partial.role).toBe('assistant')
    expect(partial.status).toBe('error')
    expect(partial.error).toContain('interrupted')
    // What was flushed is a prefix of the answer, short of what the client had seen by at most one
    // interval (100 ms ≈ 7 chunks of 15 ms, plus slack for a loaded machine).
    const full = Array.from({ length: 80 }, (_, i) => chunk(i)).join('')
    expect(full.startsWith(partial.content)).toBe(true)
    expect(seen.length - partial.content.length).toBeLessThanOrEqual(chunk(0).length * 10)

    // History is intact across the restart: the next turn carries it as context.
    fake.reset()
    fake.queue({ text: ['continuing'] })
    const c2 = await WsClient.open(second.url, ADMIN_TOKEN)
    const end = await c2.request({ action: 'chat', request_id: 'n', text: 'go on', conversation_id: conv })
    expect(end.status).toBe('complete')
    const sent = fake.requests[0]!.body.messages.map((m: any) => m.role)
    expect(sent).toEqual(['system', 'user', 'assistant', 'user'])
    c2.close()
    second.proc.kill('SIGTERM')
    expect(await second.proc.exited).toBe(0)
  }, 30_000)
})

describe('retention', () => {
  test('the sweep drops messages beyond max_messages and older than max_age_hours, and emptied conversations', async () => {
    const hub = await startTestHub({ yaml: 'chat: { retention: { max_age_hours: 1, max_messages: 4 } }\n' })
    try {
      const chat = hub.services.chat
      const old = chat.repo.createConversation('old')
      chat.repo.insertMessage({ conversationId: old.id, role: 'user', content: 'ancient' })
      // Age it: two hours old, past max_age_hours.
      hub.services.db.sqlite.run('UPDATE messages SET created_at = ? WHERE conversation_id = ?', [Date.now() - 2 * 3_600_000, old.id])
      hub.services.db.sqlite.run('UPDATE conversations SET updated_at = ? WHERE id = ?', [Date.now() - 2 * 3_600_000, old.id])
      const conv = chat.repo.createConversation('new')
      for (let i = 0; i < 6; i++) chat.repo.insertMessage({ conversationId: conv.id, role: 'user', content: `m${i}` })
      expect(chat.sweep()).toEqual({ messages: 3, conversations: 1 })
      const res = await hub.api(`/api/v1/conversations/${conv.id}`)
      expect((await res.json()).messages.map((m: any) => m.content)).toEqual(['m2', 'm3', 'm4', 'm5'])
      expect((await hub.api(`/api/v1/conversations/${old.id}`)).status).toBe(404)
    } finally {
      await hub.close()
    }
  })
})
