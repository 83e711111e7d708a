import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestHub, type TestHub } from '../helpers/hub'

let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub()
})
afterAll(() => hub.close())

const search = (word: string): string[] =>
  hub.services.db.sqlite
    .query<{ id: string }, [string]>('SELECT m.id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid WHERE messages_fts MATCH ?')
    .all(word)
    .map((r) => r.id)

describe('the search index and streaming rows (migration 0002)', () => {
  test('a streaming answer is indexed once it ends, with its final text only', () => {
    const repo = hub.services.chat.repo
    const conv = repo.createConversation('x')
    const row = repo.insertMessage({ conversationId: conv.id, role: 'assistant', status: 'streaming' })
    repo.appendToMessage(row.id, 'partial aardvark ', '')
    expect(search('aardvark')).toEqual([])
    repo.updateMessage(row.id, { content: 'final zebra', status: 'complete' })
    expect(search('zebra')).toEqual([row.id])
    expect(search('aardvark')).toEqual([])
    // Later edits of a finished row re-index it; deleting removes it.
    repo.updateMessage(row.id, { content: 'final okapi' })
    expect(search('zebra')).toEqual([])
    expect(search('okapi')).toEqual([row.id])
    repo.deleteConversation(conv.id)
    expect(search('okapi')).toEqual([])
  })

  test('an answer interrupted by a crash is indexed when start-up marks it', () => {
    const repo = hub.services.chat.repo
    const conv = repo.createConversation('y')
    const row = repo.insertMessage({ conversationId: conv.id, role: 'assistant', status: 'streaming' })
    repo.appendToMessage(row.id, 'half a narwhal', '')
    expect(repo.markInterrupted()).toBe(1)
    expect(search('narwhal')).toEqual([row.id])
  })
})
