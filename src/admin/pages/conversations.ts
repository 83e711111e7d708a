import { Elysia } from 'elysia'
import { principalOf } from '../../auth/types'
import { html, type Safe } from '../html'
import { attempt, notice, unavailable, type Notice } from '../notice'
import { fragment, page } from '../page'
import type { AdminDeps, ConversationAdmin } from '../types'

const enc = encodeURIComponent
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ')
const PAGE = 50

function list(chat: ConversationAdmin, offset: number, n: Notice = null): Safe {
  const rows = chat.listConversations({ limit: PAGE + 1, offset })
  const more = rows.length > PAGE
  return html`${notice(n)}<table><caption class="sr-only">Conversations</caption><thead><tr><th scope="col">Title</th><th scope="col">Updated</th><th scope="col">Messages</th><th scope="col">Actions</th></tr></thead>
<tbody>${
    rows.length
      ? rows.slice(0, PAGE).map(
          (c) => html`<tr data-id="${c.id}"><th scope="row"><a href="/admin/conversations/${enc(c.id)}">${c.title || c.id}</a></th><td>${when(c.updated_at)}</td><td>${c.messages}</td>
<td class="actions"><a href="/admin/chat?c=${enc(c.id)}">Continue</a>
<a href="/api/v1/conversations/${enc(c.id)}/export?format=json" download>JSON</a>
<a href="/api/v1/conversations/${enc(c.id)}/export?format=md" download>Markdown</a>
<button class="danger" hx-post="/admin/conversations/${enc(c.id)}/delete" hx-target="#conversations" hx-confirm="Delete this conversation?" aria-label="Delete ${c.title || c.id}">Delete</button></td></tr>`,
        )
      : html`<tr><td colspan="4" class="muted">No conversations yet.</td></tr>`
  }</tbody></table>
<p>${offset > 0 ? html`<a href="/admin/conversations?offset=${Math.max(0, offset - PAGE)}">← newer</a> ` : ''}${more ? html`<a href="/admin/conversations?offset=${offset + PAGE}">older →</a>` : ''}</p>`
}

type Hit = { conversation_id: string; role: string; created_at: string; snippet: string }

/** `/admin/conversations`: browse, search (the `history_search` tool), export and delete. */
export const conversationsPage = (d: AdminDeps) => {
  const app = new Elysia({ name: 'admin-conversations' })
  const chat = d.chat
  const canSearch = !!d.tools?.has('history_search')
  if (!chat && !canSearch) {
    return app.get('/admin/conversations', (ctx) =>
      page(ctx, { title: 'Conversations', current: '/admin/conversations', body: html`<h1>Conversations</h1>${unavailable('Browsing conversations', 'chat')}` }),
    )
  }
  return app
    .get('/admin/conversations', (ctx) =>
      page(ctx, {
        title: 'Conversations',
        current: '/admin/conversations',
        body: html`<h1>Conversations</h1>
${
  canSearch
    ? html`<form hx-get="/admin/conversations/search" hx-target="#search-results" class="inline-form" role="search"><label for="conv-q" class="sr-only">Search conversations</label>
<input type="search" id="conv-q" name="q" placeholder="Search every message" required><button type="submit">Search</button></form>
<div id="search-results" aria-live="polite"></div>`
    : ''
}
${chat ? html`<div id="conversations">${list(chat, Math.max(0, Number(ctx.query.offset) || 0))}</div>` : unavailable('Browsing conversations', 'chat')}`,
      }),
    )
    .get('/admin/conversations/search', async (ctx) => {
      const q = String(ctx.query.q ?? '').trim().slice(0, 500)
      if (!q || !d.tools) return fragment(html``)
      const r = await d.tools.call('history_search', { query: q, limit: 20 }, { signal: ctx.request.signal, actor: principalOf(ctx).name, surface: 'admin' })
      if (r.isError) return fragment(html`<p class="error" role="alert">${r.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')}</p>`)
      const hits = ((r.structuredContent?.results ?? []) as Hit[])
      return fragment(html`<h2>${hits.length} match${hits.length === 1 ? '' : 'es'}</h2><ul class="tool-list">${hits.map(
        (h) => html`<li><a href="/admin/conversations/${enc(h.conversation_id)}">${h.conversation_id}</a> <span class="badge">${h.role}</span> <span class="muted small">${when(h.created_at)}</span><div>${h.snippet}</div></li>`,
      )}</ul>`)
    })
    .get('/admin/conversations/:id', (ctx) => {
      if (!chat) return page(ctx, { title: 'Conversation', current: '/admin/conversations', body: unavailable('Reading a conversation', 'chat') })
      const c = chat.conversation(ctx.params.id)
      return page(ctx, {
        title: c.title || c.id,
        current: '/admin/conversations',
        body: html`<p><a href="/admin/conversations">← all conversations</a></p><h1>${c.title || c.id}</h1>
<p class="actions"><a href="/admin/chat?c=${enc(c.id)}">Continue in chat</a> <a href="/api/v1/conversations/${enc(c.id)}/export?format=json" download>Export JSON</a> <a href="/api/v1/conversations/${enc(c.id)}/export?format=md" download>Export Markdown</a></p>
<div class="messages transcript">${c.messages.map(
          (m) => html`<div class="msg ${m.role}"><div class="who">${m.role}${m.provider ? ` · ${m.provider}` : ''} · ${when(m.created_at)}</div>
${m.thinking ? html`<details class="thinking"><summary>Thinking</summary>${m.thinking}</details>` : ''}
${(m.tool_calls ?? []).map((t) => html`<div class="tool small muted">🔧 ${t.name} ${JSON.stringify(t.arguments)}</div>`)}
<div class="text">${m.content}</div>${m.error ? html`<div class="error">${m.error}</div>` : ''}</div>`,
        )}</div>`,
      })
    })
    .post('/admin/conversations/:id/delete', async ({ params }) => {
      if (!chat) return fragment(unavailable('Deleting conversations', 'chat'), 404)
      return fragment(list(chat, 0, await attempt(() => chat.deleteConversation(params.id), 'Deleted.')))
    })
}
