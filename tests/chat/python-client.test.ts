import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ADMIN_TOKEN } from '../helpers/hub'
import { startChatHub, type ChatHub } from './setup'

/**
 * Issue #3: a Python `websockets` client (what a Kivy tablet or PySide desktop app uses) holds a
 * streamed conversation. Debian's python3 with python3-websockets, installed by scripts/test.sh.
 */
const PYTHON = '/usr/bin/python3'

describe('a Python websockets client', () => {
  let h: ChatHub
  beforeAll(async () => {
    h = await startChatHub()
  })
  afterAll(() => h.close())

  test('streams an answer chunk by chunk and gets bad_request for a malformed frame', async () => {
    h.fakes.oa.queue({ text: ['The ', 'kettle ', 'is ', 'on.'], usage: { input: 9, output: 4 } })
    const url = `${h.hub.url.replace('http', 'ws')}/ws/chat`
    const proc = Bun.spawn([PYTHON, join(import.meta.dir, '../fixtures/python_chat_client.py'), url, ADMIN_TOKEN, 'Is the kettle on?'], {
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    expect(err).toBe('')
    expect(code).toBe(0)
    const seen = JSON.parse(out.trim().split('\n').pop()!)
    expect(seen.bad).toMatchObject({ status: 'error', error: { code: 'bad_request' } })
    expect(seen.text).toBe('The kettle is on.')
    expect(seen.statuses[0]).toBe('started')
    expect(seen.statuses.filter((s: string) => s === 'chunk')).toHaveLength(4)
    expect(seen.final).toMatchObject({ request_id: 'py1', status: 'complete', usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })
  })
})
