import { Elysia } from 'elysia'
import { html } from '../html'
import { unavailable } from '../notice'
import { page } from '../page'
import type { AdminDeps } from '../types'

/** `/admin/devices`: shown as "not available" until the zigbee feature is part of this build. */
export const devicesPage = (_d: AdminDeps) =>
  new Elysia({ name: 'admin-devices' }).get('/admin/devices', (ctx) =>
    page(ctx, { title: 'Devices', current: '/admin/devices', body: html`<h1>Devices</h1>${unavailable('Device control', 'zigbee')}` }),
  )
