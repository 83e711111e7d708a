import { Elysia } from 'elysia'
import { html } from '../html'
import { unavailable } from '../notice'
import { page } from '../page'
import type { AdminDeps } from '../types'

/** `/admin/mcp`: shown as "not available" until the MCP aggregator feature is part of this build. */
export const mcpPage = (_d: AdminDeps) =>
  new Elysia({ name: 'admin-mcp' }).get('/admin/mcp', (ctx) =>
    page(ctx, { title: 'MCP servers', current: '/admin/mcp', body: html`<h1>MCP servers</h1>${unavailable('Managing MCP servers', 'MCP aggregator')}` }),
  )
