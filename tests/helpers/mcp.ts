import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { conversations, messages } from '../../src/db/schema'
import type { Db } from '../../src/db/client'

/** A v1 SDK client connected to a hub's /mcp with a bearer token (2025-11-25 sessions). */
export async function mcpClient(url: string, token: string | null, capabilities: Record<string, unknown> = {}) {
  const client = new Client({ name: 'hearth-test', version: '1.0.0' }, { capabilities })
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  })
  await client.connect(transport)
  return { client, transport }
}

/** Writes a conversation straight into the DB (the chat feature's tables), for history and resources. */
export function insertConversation(db: Db, id: string, title: string, turns: [role: 'user' | 'assistant' | 'tool' | 'system', content: string][], at = Date.now()) {
  db.insert(conversations).values({ id, title, createdAt: new Date(at), updatedAt: new Date(at) }).run()
  turns.forEach(([role, content], seq) =>
    db
      .insert(messages)
      .values({ id: `${id}-m${seq}`, conversationId: id, seq, role, content, createdAt: new Date(at + seq), updatedAt: new Date(at + seq) })
      .run(),
  )
}

export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}
