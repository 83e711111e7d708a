import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { startChatHub, type ChatHub } from './setup'

let h: ChatHub
beforeAll(async () => {
  h = await startChatHub()
})
afterAll(() => h.close())
beforeEach(async () => {
  for (const f of Object.values(h.fakes)) f.reset()
})

const historyOf = async (c: Awaited<ReturnType<ChatHub['client']>>, conversationId: string) =>
  (await c.request({ action: 'history', request_id: `h-${Math.random()}`, conversation_id: conversationId })).messages

describe('streaming from each provider kind', () => {
  for (const [name, kind] of [['oa', 'openai'], ['an', 'anthropic'], ['ge', 'gemini']] as const) {
    test(`${kind}: started, text chunks in order, complete with usage/provider/model, stored`, async () => {
      h.fakes[name].queue({ thinking: kind === 'gemini' ? undefined : ['Let me think.'], text: ['Why', ' hello', ' there'], usage: { input: 15, output: 12 } })
      const c = await h.client()
      const end = await c.request({ action: 'chat', request_id: `r-${name}`, text: 'Say hello', provider: name })
      expect(end).toMatchObject({ status: 'complete', provider: name, usage: { prompt_tokens: 15, completion_tokens: 12, total_tokens: 27 } })
      const frames = c.of(`r-${name}`)
      // (Not toMatchObject with asymmetric matchers: Bun 1.4 writes the matcher into the received object.)
      expect(frames[0]!.status).toBe('started')
      expect(frames[0]!.conversation_id).toMatch(/^c_/)
      expect(frames[0]!.message_id).toMatch(/^m_/)
      expect(c.text(`r-${name}`)).toBe('Why hello there')
      if (kind !== 'gemini') expect(frames.filter((f) => f.chunk?.type === 'thinking').map((f) => f.chunk.data).join('')).toBe('Let me think.')
      const hist = await historyOf(c, frames[0]!.conversation_id)
      expect(hist.map((m: any) => [m.role, m.content, m.status])).toEqual([
        ['user', 'Say hello', 'complete'],
        ['assistant', 'Why hello there', 'complete'],
      ])
      expect(hist[1]).toMatchObject({ provider: name, usage: { total_tokens: 27 } })
      // The system prompt goes first.
      const sent = JSON.stringify(h.fakes[name].requests.at(-1)!.body)
      expect(sent).toContain('You are the assistant of this home.')
    })
  }

  test('a second turn sends the earlier exchange as context', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: ['Blue.'] }, { text: ['Still blue.'] })
    const first = await c.request({ action: 'chat', request_id: 'c1', text: 'Favourite colour?' })
    const conv = c.of('c1')[0]!.conversation_id
    expect(first.status).toBe('complete')
    await c.request({ action: 'chat', request_id: 'c2', text: 'And now?', conversation_id: conv })
    const msgs = h.fakes.oa.requests.at(-1)!.body.messages.map((m: any) => [m.role, m.content])
    expect(msgs).toEqual([
      ['system', 'You are the assistant of this home.'],
      ['user', 'Favourite colour?'],
      ['assistant', 'Blue.'],
      ['user', 'And now?'],
    ])
  })
})

describe('many clients on one conversation', () => {
  test('two subscribers get identical frames in the same order', async () => {
    const a = await h.client()
    const b = await h.client()
    h.fakes.oa.queue({ text: ['first'] }, { text: Array.from({ length: 40 }, (_, i) => `w${i} `), delayMs: 1 })
    await a.request({ action: 'chat', request_id: 'x1', text: 'start' })
    const conv = a.of('x1')[0]!.conversation_id
    await b.request({ action: 'subscribe', request_id: 'sub', conversation_id: conv })
    await a.request({ action: 'chat', request_id: 'x2', text: 'go on', conversation_id: conv })
    await b.next((f) => f.request_id === 'x2' && f.status === 'complete')
    expect(a.of('x2').length).toBe(42)
    expect(b.of('x2')).toEqual(a.of('x2'))
  })

  test('a closed asker does not stop an answer another socket watches', async () => {
    const a = await h.client()
    const b = await h.client()
    h.fakes.oa.queue({ text: ['hi'] }, { text: Array.from({ length: 10 }, (_, i) => `p${i} `), delayMs: 20 })
    await a.request({ action: 'chat', request_id: 'y1', text: 'start' })
    const conv = a.of('y1')[0]!.conversation_id
    await b.request({ action: 'subscribe', request_id: 'sub', conversation_id: conv })
    a.send({ action: 'chat', request_id: 'y2', text: 'long answer', conversation_id: conv })
    await b.next((f) => f.request_id === 'y2' && f.status === 'chunk')
    a.close()
    const end = await b.next((f) => f.request_id === 'y2' && f.status !== 'chunk' && f.status !== 'started')
    expect(end.status).toBe('complete')
    expect(b.text('y2')).toBe(Array.from({ length: 10 }, (_, i) => `p${i} `).join(''))
  })
})

describe('context contributors', () => {
  test('addContext text follows the system prompt on every turn', async () => {
    const off = h.hub.services.chat.addContext(() => 'Devices: living room lamp (on).')
    try {
      h.fakes.oa.queue({ text: ['ok'] })
      const c = await h.client()
      await c.request({ action: 'chat', request_id: 'ctx', text: 'what is on?' })
      expect(h.fakes.oa.requests.at(-1)!.body.messages[0].content).toBe('You are the assistant of this home.\n\nDevices: living room lamp (on).')
    } finally {
      off()
    }
  })
})

describe('cancel, failures and fallback', () => {
  test('when the last watcher of an answer leaves, the answer stops and is kept as cancelled', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: Array.from({ length: 50 }, (_, i) => `z${i} `), delayMs: 20 })
    c.send({ action: 'chat', request_id: 'gone', text: 'long' })
    await c.next((f) => f.request_id === 'gone' && f.status === 'chunk')
    const conv = c.of('gone')[0]!.conversation_id
    c.close()
    const other = await h.client()
    for (let i = 0; i < 100; i++) {
      const hist = await historyOf(other, conv)
      if (hist[1].status !== 'streaming') break
      await Bun.sleep(20)
    }
    const hist = await historyOf(other, conv)
    expect(hist[1].status).toBe('cancelled')
    expect(hist[1].content.startsWith('z0 ')).toBe(true)
    for (let i = 0; i < 50 && !h.fakes.oa.requests.at(-1)!.aborted; i++) await Bun.sleep(20)
    expect(h.fakes.oa.requests.at(-1)!.aborted).toBe(true)
  })

  test('cancel stops the answer and keeps what was streamed', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: Array.from({ length: 50 }, (_, i) => `t${i} `), delayMs: 20 })
    c.send({ action: 'chat', request_id: 'k', text: 'long' })
    await c.next((f) => f.request_id === 'k' && f.status === 'chunk' && f.chunk.data === 't2 ')
    const end = await c.request({ action: 'cancel', request_id: 'k' })
    expect(end.error.code).toBe('cancelled')
    const streamed = c.text('k')
    const hist = await historyOf(c, c.of('k')[0]!.conversation_id)
    expect(hist[1].status).toBe('cancelled')
    expect(hist[1].content.startsWith(streamed)).toBe(true)
    expect(hist[1].content.length).toBeLessThan(50 * 4)
    // The provider's request was aborted, not left running.
    for (let i = 0; i < 50 && !h.fakes.oa.requests.at(-1)!.aborted; i++) await Bun.sleep(20)
    expect(h.fakes.oa.requests.at(-1)!.aborted).toBe(true)
  })

  test('cancel by request_id reaches only the asker\'s own answer; by conversation_id any watcher may stop it', async () => {
    const a = await h.client()
    const b = await h.client()
    h.fakes.oa.queue({ text: Array.from({ length: 50 }, (_, i) => `q${i} `), delayMs: 20 })
    a.send({ action: 'chat', request_id: 'same', text: 'long' })
    await a.next((f) => f.request_id === 'same' && f.status === 'chunk')
    const conv = a.of('same')[0]!.conversation_id
    expect((await b.request({ action: 'cancel', request_id: 'same' })).error.code).toBe('not_found')
    await b.request({ action: 'subscribe', request_id: 'sub', conversation_id: conv })
    b.send({ action: 'cancel', request_id: 'stop', conversation_id: conv })
    const end = await a.next((f) => f.request_id === 'same' && f.status === 'error')
    expect(end.error.code).toBe('cancelled')
  })

  test('a provider that fails before its first token falls back to the next', async () => {
    await h.set({ 'chat.fallback': ['an'] })
    try {
      h.fakes.oa.queue({ fail: 'http500' })
      h.fakes.an.queue({ text: ['from claude'] })
      const c = await h.client()
      const end = await c.request({ action: 'chat', request_id: 'fb', text: 'hi' })
      expect(end).toMatchObject({ status: 'complete', provider: 'an' })
      expect(c.text('fb')).toBe('from claude')
      expect(c.of('fb').some((f) => f.status === 'error')).toBe(false)
    } finally {
      await h.set({ 'chat.fallback': null })
    }
  })

  test('HTTP 500 with no fallback: an error frame, the question kept', async () => {
    h.fakes.oa.queue({ fail: 'http500' })
    const c = await h.client()
    const end = await c.request({ action: 'chat', request_id: 'e5', text: 'hi' })
    expect(end.status).toBe('error')
    expect(end.error.code).toBe('upstream_failed')
    const hist = await historyOf(c, c.of('e5')[0]!.conversation_id)
    expect(hist.map((m: any) => [m.role, m.status])).toEqual([['user', 'complete'], ['assistant', 'error']])
  })

  test('a connection dropped mid-answer: an error frame (never a silent complete), partial kept', async () => {
    h.fakes.oa.queue({ text: ['part one, ', 'part two'], fail: 'drop' })
    const c = await h.client()
    const end = await c.request({ action: 'chat', request_id: 'drop', text: 'hi' })
    expect(end.status).toBe('error')
    expect(c.of('drop').some((f) => f.status === 'complete')).toBe(false)
    expect(c.text('drop')).toBe('part one, part two')
    const hist = await historyOf(c, c.of('drop')[0]!.conversation_id)
    expect(hist[1]).toMatchObject({ role: 'assistant', content: 'part one, part two', status: 'error' })
  })

  test('with continue_on_fallback the next provider continues a broken answer', async () => {
    await h.set({ 'chat.fallback': ['an'], 'chat.continue_on_fallback': true })
    try {
      h.fakes.oa.queue({ text: ['The first half'], fail: 'drop' })
      h.fakes.an.queue({ text: [' and the second half.'] })
      const c = await h.client()
      c.send({ action: 'chat', request_id: 'cont', text: 'tell me' })
      const end = await c.next((f) => f.request_id === 'cont' && f.status === 'complete', 8000)
      const frames = c.of('cont')
      const err = frames.find((f) => f.status === 'error')!
      expect(err.error.continued_by).toBe('an')
      expect(end).toMatchObject({ status: 'complete', provider: 'an' })
      expect(c.text('cont')).toBe('The first half and the second half.')
      const sent = h.fakes.an.requests.at(-1)!.body.messages
      expect(JSON.stringify(sent)).toContain('The first half')
      expect(JSON.stringify(sent.at(-1))).toContain('Continue')
    } finally {
      await h.set({ 'chat.fallback': null, 'chat.continue_on_fallback': null })
    }
  })

  test('a provider that sends garbage mid-stream: an error frame, the partial kept, the hub unharmed', async () => {
    h.fakes.oa.queue({ text: ['good so far'], fail: 'garbage' }, { text: ['still alive'] })
    const c = await h.client()
    const end = await c.request({ action: 'chat', request_id: 'junk', text: 'hi' })
    expect(end.status).toBe('error')
    const hist = await historyOf(c, c.of('junk')[0]!.conversation_id)
    expect(hist[1]).toMatchObject({ content: 'good so far', status: 'error' })
    expect((await c.request({ action: 'chat', request_id: 'after', text: 'again' })).status).toBe('complete')
  })

  test('a provider that hangs: a timeout error frame', async () => {
    h.fakes.oa.queue({ fail: 'hang' })
    const c = await h.client()
    const end = await c.request({ action: 'chat', request_id: 'hang', text: 'hi' }, 5000)
    expect(end.status).toBe('error')
    expect(end.error.code).toBe('timeout')
  })

  test('a second chat in a conversation that is still streaming is refused', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: ['a'] }, { text: Array.from({ length: 10 }, () => 'x'), delayMs: 20 })
    await c.request({ action: 'chat', request_id: 'b1', text: 'start' })
    const conv = c.of('b1')[0]!.conversation_id
    c.send({ action: 'chat', request_id: 'b2', text: 'long', conversation_id: conv })
    await c.next((f) => f.request_id === 'b2' && f.status === 'chunk')
    const busy = await c.request({ action: 'chat', request_id: 'b3', text: 'again', conversation_id: conv })
    expect(busy.error.code).toBe('conflict')
    await c.next((f) => f.request_id === 'b2' && f.status === 'complete')
  })
})

describe('images', () => {
  test('the image action sends an image chunk and keeps it in history', async () => {
    h.fakes.oa.queue({ images: [{ mime: 'image/png', data: 'AAAA' }] })
    const c = await h.client()
    const end = await c.request({ action: 'image', request_id: 'img', prompt: 'a red lamp', size: '256x256' })
    expect(end).toMatchObject({ status: 'complete', provider: 'oa' })
    const chunk = c.of('img').find((f) => f.status === 'chunk')!
    expect(chunk.chunk).toEqual({ type: 'image', mime: 'image/png', data: 'AAAA' })
    const hist = await historyOf(c, chunk.conversation_id)
    expect(hist[1].images).toEqual([{ mime: 'image/png', data: 'AAAA' }])
  })

  test('image output of a chat model (gemini) is forwarded and stored', async () => {
    h.fakes.ge.queue({ text: ['Here it is'], images: [{ mime: 'image/png', data: 'BBBB' }] })
    const c = await h.client()
    await c.request({ action: 'chat', request_id: 'gimg', text: 'draw', provider: 'ge' })
    const chunk = c.of('gimg').find((f) => f.chunk?.type === 'image')!
    expect(chunk.chunk).toEqual({ type: 'image', mime: 'image/png', data: 'BBBB' })
    const hist = await historyOf(c, chunk.conversation_id)
    expect(hist[1].images).toEqual([{ mime: 'image/png', data: 'BBBB' }])
  })
})

describe('compatibility dialect', () => {
  test('user_message → assistant_message; clear_history starts a new session', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: ['Hi ', 'there'], usage: { input: 2, output: 2 } }, { text: ['Fresh'] })
    c.send({ type: 'user_message', message: 'hello' })
    const msg = await c.next((f) => f.type === 'assistant_message')
    expect(msg).toEqual({ type: 'assistant_message', message: 'Hi there', thinking: '', usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } })
    c.send({ type: 'clear_history' })
    await c.next((f) => f.type === 'history_cleared')
    const from = c.frames.length
    c.send({ type: 'user_message', message: 'again' })
    await c.next((f) => f.type === 'assistant_message', 5000, from)
    // A new session: the model did not see the first exchange.
    expect(h.fakes.oa.requests.at(-1)!.body.messages.map((m: any) => m.role)).toEqual(['system', 'user'])
  })
})

describe('conversations REST', () => {
  test('list, read, export as JSON and Markdown, delete', async () => {
    const c = await h.client()
    h.fakes.oa.queue({ text: ['Sure.'] })
    await c.request({ action: 'chat', request_id: 'rest', text: 'Export me' })
    const id = c.of('rest')[0]!.conversation_id
    const list = await (await h.hub.api('/api/v1/conversations')).json()
    expect(list.conversations.find((x: any) => x.id === id)).toMatchObject({ title: 'Export me', messages: 2 })
    const one = await (await h.hub.api(`/api/v1/conversations/${id}`)).json()
    expect(one.messages.map((m: any) => m.content)).toEqual(['Export me', 'Sure.'])
    const md = await h.hub.api(`/api/v1/conversations/${id}/export?format=md`)
    expect(md.headers.get('content-type')).toContain('text/markdown')
    expect(await md.text()).toContain('## assistant (oa/gpt-fake)')
    const js = await (await h.hub.api(`/api/v1/conversations/${id}/export?format=json`)).json()
    expect(js.id).toBe(id)
    expect((await h.hub.api(`/api/v1/conversations/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await h.hub.api(`/api/v1/conversations/${id}`)).status).toBe(404)
  })
})
