import { t } from 'elysia'
import { COLOUR_NAMES } from './color'

/** TypeBox shapes of the home tools' arguments and the device routes (JSON Schema for MCP too). */
export const ListDevicesArgs = t.Object(
  {
    room: t.Optional(t.String({ description: 'only devices of this room' })),
    kind: t.Optional(t.String({ description: 'only this kind: light, switch, cover, lock, climate, fan, sensor' })),
  },
  { additionalProperties: false },
)

export const GetStateArgs = t.Object(
  {
    device: t.Optional(t.String({ description: 'a device name' })),
    room: t.Optional(t.String({ description: 'every device of a room' })),
    type: t.Optional(t.String({ description: 'only devices of this kind (light, switch, sensor, ...)' })),
    refresh: t.Optional(t.Boolean({ description: 'with device: ask the device to report now (/get) before answering' })),
  },
  { additionalProperties: false },
)

export const SetStateArgs = t.Object(
  {
    device: t.Optional(t.String({ description: 'one device (give device or room)' })),
    room: t.Optional(t.String({ description: 'every device of a room that takes these properties' })),
    state: t.Record(t.String(), t.Unknown(), {
      description: 'the properties to set, in the device\'s own units as home_list_devices shows them, e.g. {"state":"ON","brightness":200}',
    }),
  },
  { additionalProperties: false },
)

export const SmartHomeArgs = t.Object(
  {
    action: t.Literal('set_lights'),
    room: t.Optional(t.String({ description: 'the room whose lights to change; omit for every light of the home' })),
    state: t.Optional(t.Union([t.Literal('ON'), t.Literal('OFF'), t.Literal('TOGGLE')])),
    brightness: t.Optional(t.Number({ minimum: 0, maximum: 100, description: 'percent, 0-100' })),
    color: t.Optional(t.String({ description: `a colour name (${COLOUR_NAMES.slice(0, 12).join(', ')}, ...) or hex like "#ff8800"` })),
    color_temp: t.Optional(t.Integer({ minimum: 1000, maximum: 10000, description: 'colour temperature in kelvin, e.g. 2700 warm, 4000 neutral, 6500 cool' })),
  },
  { additionalProperties: false },
)

export const DeviceName = t.Object({ name: t.String({ minLength: 1 }) })

export const DeviceQuery = t.Object({ room: t.Optional(t.String()), kind: t.Optional(t.String()) })

/** A room set by hand (null or "" clears it, so groups decide again) and the hidden flag. */
export const DevicePatch = t.Object(
  { room: t.Optional(t.Union([t.String({ maxLength: 100 }), t.Null()])), hidden: t.Optional(t.Boolean()) },
  { additionalProperties: false },
)

/** What to set, in the device's own units (checked against its exposes by the service). */
export const DeviceCommand = t.Record(t.String(), t.Unknown())
