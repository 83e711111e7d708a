import { NotFound } from '../../core/errors'
import { historyRepo } from '../repo'
import type { ResourceDefinition, ResourceTemplateDefinition } from '../types'
import { toWireTool } from '../wire'
import type { BuiltinDeps } from './deps'

const json = (uri: string, value: unknown) => [{ uri, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }]
const CONVERSATION = /^hearth:\/\/conversations\/([^/?#]+)$/

export function configResource({ config }: BuiltinDeps): ResourceDefinition {
  return {
    uri: 'hearth://config',
    name: 'config',
    title: 'Effective configuration',
    description: 'Every configuration key with its value and source (file, override, default); secrets redacted.',
    mimeType: 'application/json',
    source: 'builtin',
    read: async (uri) => json(uri, config.entries()),
  }
}

export function toolsResource({ registry }: BuiltinDeps): ResourceDefinition {
  return {
    uri: 'hearth://tools',
    name: 'tools',
    title: 'Tool catalogue',
    description: 'Every tool of the hub, with its source and whether it is switched on.',
    mimeType: 'application/json',
    source: 'builtin',
    read: async (uri) =>
      json(
        uri,
        registry.list({ includeDisabled: true }).map((t) => ({ ...toWireTool(t), source: t.source, enabled: t.enabled })),
      ),
  }
}

/** `hearth://conversations/{id}`: one past conversation, read-only. */
export function conversationTemplate({ db }: BuiltinDeps): ResourceTemplateDefinition {
  const repo = historyRepo(db)
  return {
    uriTemplate: 'hearth://conversations/{id}',
    name: 'conversation',
    title: 'Conversation',
    description: 'A past conversation with its messages in order.',
    mimeType: 'application/json',
    source: 'builtin',
    async read(uri) {
      const m = CONVERSATION.exec(uri)
      if (!m) return null
      const id = decodeURIComponent(m[1]!)
      const conv = repo.conversation(id)
      if (!conv) throw new NotFound(`no conversation "${id}"`)
      const messages = repo.messages(id).map((r) => ({ role: r.role, content: r.content, created_at: new Date(r.created_at).toISOString() }))
      return json(uri, { id: conv.id, title: conv.title, created_at: new Date(conv.created_at).toISOString(), messages })
    },
    async list() {
      return repo.recent(50).map((c) => ({ uri: `hearth://conversations/${encodeURIComponent(c.id)}`, name: c.title || c.id, mimeType: 'application/json' }))
    },
  }
}
