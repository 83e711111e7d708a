import { Elysia } from 'elysia'
import { Unavailable } from '../core/errors'
import { DeviceCommand, DeviceName, DevicePatch, DeviceQuery } from './schema'
import type { ZigbeeService } from './service'

/** `/api/v1/devices` and `/api/v1/rooms` (SPEC §7): the same service the home tools use. */
export const zigbeePlugin = (svc: ZigbeeService) =>
  new Elysia({ name: 'zigbee' })
    .decorate('zigbee', svc)
    .get('/api/v1/devices', ({ zigbee, query }) => ({
      status: zigbee.status(),
      devices: zigbee.list({ includeHidden: true, room: query.room, kind: query.kind }),
    }), { query: DeviceQuery })
    .get('/api/v1/devices/:name', ({ zigbee, params }) => zigbee.detail(params.name), { params: DeviceName })
    .post('/api/v1/devices/:name/set', ({ zigbee, params, body }) => {
      if (!zigbee.isEnabled) throw new Unavailable('home automation is off (set home.mqtt_url)')
      return zigbee.set({ device: params.name }, body, { includeHidden: true })
    }, { params: DeviceName, body: DeviceCommand })
    .put('/api/v1/devices/:name', ({ zigbee, params, body }) => zigbee.update(params.name, body), {
      params: DeviceName,
      body: DevicePatch,
    })
    .get('/api/v1/rooms', ({ zigbee }) => ({ rooms: zigbee.rooms({ includeHidden: true }) }))
