import { Elysia, t } from 'elysia'
import { HearthError } from '../../core/errors'
import { html, type Safe } from '../html'
import { attempt, notice, unavailable, type Notice } from '../notice'
import { fragment, page } from '../page'
import { sseFrame, sseResponse, wantsEventStream } from '../sse'
import type { AdminDeps, DeviceListing, DevicesAdmin } from '../types'

const enc = encodeURIComponent
/** A DOM id for any device name (names may hold spaces and slashes), stable so live updates find the row. */
export const deviceId = (name: string) => 'dev-' + name.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`)

/** `can_set` holds readable summaries ("brightness: 0-254"); the property is the first word. */
const settable = (dev: DeviceListing, prop: string) => dev.can_set.some((s) => s.split(/[:\s(]/)[0] === prop)

function row(z: DevicesAdmin, dev: DeviceListing, n: Notice = null, oob = false): Safe {
  let state: Record<string, unknown> = {}
  let available = dev.available
  try {
    const s = z.device(dev.name, { includeHidden: true })
    state = s.state
    available = s.available
  } catch (err) {
    // A device discovered but never reported has no state yet: show it without one.
    if (!(err instanceof HearthError && err.status === 404)) throw err
  }
  const on = state.state === 'ON'
  const canSwitch = settable(dev, 'state')
  const canDim = settable(dev, 'brightness')
  const brightness = typeof state.brightness === 'number' ? state.brightness : 0
  const shown = Object.entries(state).filter(([k]) => !['linkquality', 'update'].includes(k)).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  const url = `/admin/devices/${enc(dev.name)}`
  return html`<tr id="${deviceId(dev.name)}"${oob ? html` hx-swap-oob="true"` : ''} data-device="${dev.name}"${dev.hidden ? html` class="muted"` : ''}>
<th scope="row">${dev.name}<div class="muted small">${dev.vendor ?? ''} ${dev.model ?? ''}</div></th>
<td>${dev.kind}</td><td><form hx-post="${url}/room" hx-target="closest tr" hx-swap="outerHTML" class="inline-form"><input name="room" value="${dev.room ?? ''}" list="room-names" size="10" aria-label="Room of ${dev.name}" placeholder="none"><button type="submit">Set</button></form></td>
<td><span class="badge ${available === false ? 'down' : on ? 'ok' : ''}" data-state>${available === false ? 'offline' : String(state.state ?? '–')}</span>
<div class="small muted" data-detail>${shown.join(', ').slice(0, 200)}</div></td>
<td class="actions">${canSwitch ? html`<button hx-post="${url}/set" hx-vals='{"state":"${on ? 'OFF' : 'ON'}"}' hx-target="closest tr" hx-swap="outerHTML" aria-pressed="${on ? 'true' : 'false'}" aria-label="Turn ${dev.name} ${on ? 'off' : 'on'}">${on ? 'Turn off' : 'Turn on'}</button>` : ''}
${canDim ? html`<label class="inline small">Brightness <input type="range" name="brightness" min="0" max="254" value="${brightness}" hx-post="${url}/set" hx-trigger="change" hx-target="closest tr" hx-swap="outerHTML" aria-label="Brightness of ${dev.name}"></label>` : ''}
<button hx-post="${url}/hide" hx-vals='{"hidden":"${dev.hidden ? 'false' : 'true'}"}' hx-target="closest tr" hx-swap="outerHTML" aria-pressed="${dev.hidden ? 'true' : 'false'}" title="Hidden devices are not offered to the model">${dev.hidden ? 'Show to model' : 'Hide from model'}</button>
${notice(n)}</td></tr>`
}

function table(z: DevicesAdmin): Safe {
  const devices = z.list({ includeHidden: true })
  const st = z.status()
  return html`<p>Broker <span class="badge ${st.broker === 'connected' ? 'ok' : 'down'}">${st.broker}</span> Bridge <span class="badge ${st.bridge === 'online' ? 'ok' : 'down'}">${st.bridge}</span> · ${st.devices} devices</p>
<table><caption class="sr-only">Devices</caption><thead><tr><th scope="col">Device</th><th scope="col">Kind</th><th scope="col">Room</th><th scope="col">State</th><th scope="col">Controls</th></tr></thead>
<tbody>${devices.length ? devices.map((dev) => row(z, dev)) : html`<tr><td colspan="5" class="muted">No devices known yet.</td></tr>`}</tbody></table>`
}

/** `/admin/devices`: live state (SSE of device_state events), on/off and brightness, rooms, hide from the model. */
export const devicesPage = (d: AdminDeps) => {
  const app = new Elysia({ name: 'admin-devices' })
  const z = d.zigbee
  if (!z) {
    return app.get('/admin/devices', (ctx) =>
      page(ctx, { title: 'Devices', current: '/admin/devices', body: html`<h1>Devices</h1>${unavailable('Device control', 'zigbee')}` }),
    )
  }
  const find = (name: string) => z.list({ includeHidden: true }).find((x) => x.name === name)
  const rowOf = (name: string, n: Notice) => {
    const dev = find(name)
    return dev ? fragment(row(z, dev, n)) : fragment(html`<tr><td colspan="5">${notice(n ?? { ok: false, text: `no device named "${name}"` })}</td></tr>`)
  }
  return app
    .get('/admin/devices', (ctx) => {
      const rooms = z.rooms({ includeHidden: true })
      return page(ctx, {
        title: 'Devices',
        current: '/admin/devices',
        scripts: ['hx-sse.js'],
        body: html`<h1>Devices</h1>
<div id="devices" hx-sse:connect="/admin/devices/stream" hx-swap="none">${table(z)}</div>
<section class="card" aria-labelledby="h-rooms"><h2 id="h-rooms">Rooms</h2>${rooms.map(
          (r) => html`<p><strong>${r.name}</strong> <span class="muted">${r.devices.join(', ')}</span></p>`,
        )}${rooms.length ? '' : html`<p class="muted">No rooms yet: set a device's room above.</p>`}</section>
<datalist id="room-names">${rooms.map((r) => html`<option value="${r.name}">`)}</datalist>`,
      })
    })
    .get('/admin/devices/stream', ({ request }) => {
      if (!wantsEventStream(request)) return fragment(table(z))
      // Each state change re-renders that device's row, swapped in by id (out of band).
      return sseResponse(request, (send) =>
        d.bus.on('device_state', (e) => {
          const dev = find(e.device)
          if (dev) send(sseFrame(row(z, dev, null, true).value))
        }),
      )
    })
    .post(
      '/admin/devices/:name/set',
      async ({ params, body }) => {
        const command: Record<string, unknown> = {}
        if (body.state) command.state = body.state
        if (body.brightness !== undefined) command.brightness = Number(body.brightness)
        const n = await attempt(async () => {
          const r = await z.set({ device: params.name }, command, { includeHidden: true })
          return r
        }, 'Sent.')
        return rowOf(params.name, n?.ok ? null : n)
      },
      { body: t.Object({ state: t.Optional(t.Union([t.Literal('ON'), t.Literal('OFF')])), brightness: t.Optional(t.String({ pattern: '^[0-9]{1,3}$' })), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/admin/devices/:name/room',
      async ({ params, body }) => {
        const room = body.room.trim() || null
        return rowOf(params.name, await attempt(() => z.update(params.name, { room }), room ? `Moved to ${room}.` : 'Room cleared.'))
      },
      { body: t.Object({ room: t.String({ maxLength: 64 }), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/admin/devices/:name/hide',
      async ({ params, body }) => rowOf(params.name, await attempt(() => z.update(params.name, { hidden: body.hidden === 'true' }), body.hidden === 'true' ? 'Hidden from the model.' : 'Shown to the model.')),
      { body: t.Object({ hidden: t.String(), _csrf: t.Optional(t.String()) }) },
    )
}
