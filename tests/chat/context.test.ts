import { describe, expect, test } from 'bun:test'
import { buildContext } from '../../src/chat/context'
import type { MessageRow } from '../../src/chat/repo'

let seq = 0
const row = (role: MessageRow['role'], content: string, extra: Partial<MessageRow> = {}): MessageRow => ({
  id: `m${++seq}`,
  conversationId: 'c',
  seq,
  role,
  content,
  thinking: '',
  toolCalls: null,
  toolCallId: null,
  images: null,
  usage: null,
  provider: null,
  model: null,
  status: 'complete',
  error: null,
  firstTokenMs: null,
  durationMs: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  ...extra,
})

describe('the model context built from history', () => {
  test('system prompt first, then the newest messages that fit the token budget (chars/4)', () => {
    const rows = [row('user', 'a'.repeat(400)), row('assistant', 'b'.repeat(400)), row('user', 'c'.repeat(40)), row('assistant', 'd'.repeat(40)), row('user', 'now?')]
    const ctx = buildContext({ system: 'SYS', rows, budget: 60 })
    expect(ctx.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user'])
    expect(ctx[0]!.content).toBe('SYS')
    expect(ctx.at(-1)!.content).toBe('now?')
  })

  test('the newest message goes even when it alone is over budget', () => {
    const ctx = buildContext({ system: 'S', rows: [row('user', 'x'.repeat(10_000))], budget: 10 })
    expect(ctx.map((m) => m.role)).toEqual(['system', 'user'])
  })

  test('a cut never leaves a tool result without its call, nor a call without its result', () => {
    const call = row('assistant', '', { toolCalls: [{ id: 't1', name: 'lamp', arguments: { on: true } }] })
    const result = row('tool', 'done', { toolCallId: 't1' })
    const orphanCall = row('assistant', 'checking', { toolCalls: [{ id: 't2', name: 'lamp', arguments: {} }] })
    const ctx = buildContext({ system: 'S', rows: [row('user', 'q'), call, result, orphanCall, row('user', 'again')], budget: 10_000 })
    expect(ctx.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user'])
    expect(ctx[2]).toMatchObject({ toolCalls: [{ id: 't1', name: 'lamp' }] })
    expect(ctx[3]).toMatchObject({ role: 'tool', toolCallId: 't1', name: 'lamp', content: 'done' })
    // The call that never got a result is kept as plain text.
    expect(ctx[4]).toEqual({ role: 'assistant', content: 'checking' })
    const cut = buildContext({ system: 'S', rows: [call, result, row('user', 'z')], budget: 8 })
    expect(cut.map((m) => m.role)).toEqual(['system', 'user'])
  })
})
