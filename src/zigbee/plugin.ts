import { Elysia, t } from 'elysia'
import { Unavailable } from '../core/errors'
import type { ZigbeeService } from './service'

const Name = t.Object({ name: t.String({ minLength: 1 }) })

/** `/api/v1/devices` and `/api/v1/rooms` (SPEC §7): the same service the home tools use. */
export const zigbeePlugin = (svc: ZigbeeService) =>
  new Elysia({ name: 'zigbee' })
    .decorate('zigbee', svc)
    .get('/api/v1/devices', ({ zigbee, query }) => ({
      status: zigbee.status(),
      devices: zigbee.list({ includeHidden: true, room: query.room, kind: query.kind }),
    }), { query: t.Object({ room: t.Optional(t.String()), kind: t.Optional(t.String()) }) })
    .get('/api/v1/devices/:name', ({ zigbee, params }) => {
      const view = zigbee.list({ includeHidden: true }).find((d) => d.name === params.name || d.ieee === params.name)
      return { ...(view ?? {}), ...zigbee.device(params.name, { includeHidden: true }) }
    }, { params: Name })
    .post('/api/v1/devices/:name/set', ({ zigbee, params, body }) => {
      if (!zigbee.isEnabled) throw new Unavailable('home automation is off (set home.mqtt_url)')
      return zigbee.set({ device: params.name }, body, { includeHidden: true })
    }, { params: Name, body: t.Record(t.String(), t.Unknown()) })
    .put('/api/v1/devices/:name', ({ zigbee, params, body }) => zigbee.update(params.name, body), {
      params: Name,
      body: t.Object(
        { room: t.Optional(t.Union([t.String({ maxLength: 100 }), t.Null()])), hidden: t.Optional(t.Boolean()) },
        { additionalProperties: false },
      ),
    })
    .get('/api/v1/rooms', ({ zigbee }) => ({ rooms: zigbee.rooms({ includeHidden: true }) }))
