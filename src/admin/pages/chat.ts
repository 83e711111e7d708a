import { Elysia } from 'elysia'
import { html } from '../html'
import { unavailable } from '../notice'
import { page } from '../page'
import type { AdminDeps } from '../types'

/**
 * `/admin/chat`: a web client of the WebSocket chat (SPEC §3). The page is static markup; the
 * socket is driven by /assets/chat.js (the CSP allows no inline script). The browser's session
 * cookie authenticates the socket: `/ws/chat` accepts the panel session (src/auth/policy.ts), and
 * the guard checks Host and Origin on every upgrade, so another site cannot open it.
 */
export const chatPage = (d: AdminDeps) =>
  new Elysia({ name: 'admin-chat' }).get('/admin/chat', (ctx) => {
    if (!d.chat) return page(ctx, { title: 'Chat', current: '/admin/chat', body: html`<h1>Chat</h1>${unavailable('The web chat', 'chat')}` })
    const active = d.providers.active()
    const conversation = typeof ctx.query.c === 'string' ? ctx.query.c.slice(0, 100) : ''
    return page(ctx, {
      title: 'Chat',
      current: '/admin/chat',
      scripts: ['chat.js'],
      body: html`<h1>Chat</h1>
<div id="chat" class="chat" data-conversation="${conversation}">
<div class="chat-bar"><span id="chat-status" class="badge" role="status">connecting…</span>
<label>Provider <select id="chat-provider"><option value="">active${active ? ` (${active.name})` : ''}</option>${d.providers
        .list()
        .map((p) => html`<option value="${p.name}">${p.name} · ${p.model}</option>`)}</select></label>
<button type="button" id="chat-new">New conversation</button></div>
<div id="messages" class="messages" role="log" aria-live="polite" aria-label="Conversation" tabindex="0"></div>
<form id="chat-form" class="chat-form"><label for="chat-input" class="sr-only">Message</label>
<textarea id="chat-input" rows="2" placeholder="Message (Enter sends, Shift+Enter for a new line)" required maxlength="100000"></textarea>
<button type="submit" id="chat-send">Send</button><button type="button" id="chat-cancel" hidden>Stop</button></form>
</div>`,
    })
  })
