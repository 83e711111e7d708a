import { Elysia } from 'elysia'
import { html } from '../html'
import { unavailable } from '../notice'
import { page } from '../page'
import type { AdminDeps } from '../types'

/** `/admin/conversations`: shown as "not available" until the chat feature is part of this build. */
export const conversationsPage = (_d: AdminDeps) =>
  new Elysia({ name: 'admin-conversations' }).get('/admin/conversations', (ctx) =>
    page(ctx, { title: 'Conversations', current: '/admin/conversations', body: html`<h1>Conversations</h1>${unavailable('Browsing conversations', 'chat')}` }),
  )
