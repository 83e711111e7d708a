import type { Static } from '@sinclair/typebox'
import { HearthError } from '../core/errors'
import { errorResult, jsonResult, type ToolDefinition, type ToolRegistry, type ToolResult } from '../mcp/types'
import { GetStateArgs, ListDevicesArgs, SetStateArgs, SmartHomeArgs } from './schema'
import type { ZigbeeService } from './service'
import type { SetOutcome } from './types'

/** Typed refusals (unknown device, out of range, broker away) become tool errors with their message. */
async function guarded(fn: () => Promise<ToolResult> | ToolResult): Promise<ToolResult> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof HearthError) return errorResult(err.message)
    throw err
  }
}

/** Partly confirmed is a result (it says who did not answer); nobody confirming is an error. */
function outcome(value: SetOutcome): ToolResult {
  const result = jsonResult(value as unknown as Record<string, unknown>)
  return value.unconfirmed.length && value.confirmed.length === 0 ? { ...result, isError: true } : result
}

/**
 * The four home tools: a fixed set whatever the number of devices. Descriptions name the rooms so
 * the model knows where to look; they are re-registered when devices or rooms change.
 */
export function registerHomeTools(registry: ToolRegistry, svc: ZigbeeService, previous?: () => void): () => void {
  const rooms = svc.rooms().map((r) => r.name)
  const roomText = rooms.length ? ` Rooms: ${rooms.slice(0, 20).join(', ')}${rooms.length > 20 ? ', …' : ''}.` : ''
  const kinds = [...new Set(svc.list().map((d) => d.kind))]
  const keywords = ['home', 'zigbee', 'device', ...rooms.slice(0, 30), ...kinds]
  const defs: ToolDefinition[] = [
    {
      name: 'home_list_devices',
      title: 'List home devices',
      description: `The home's Zigbee devices: room, kind, what each can be set to (with allowed values), what it reports, and whether it is online.${roomText}`,
      inputSchema: ListDevicesArgs,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      source: 'home',
      keywords,
      handler: (args) =>
        guarded(() => {
          const a = args as Static<typeof ListDevicesArgs>
          return jsonResult({ devices: svc.list({ room: a.room, kind: a.kind }), broker: svc.status().broker })
        }),
    },
    {
      name: 'home_get_state',
      title: 'Get device state',
      description: `Live state of one device, a room or every device of a kind. "stale": true means the broker is unreachable and this is the last known state.${roomText}`,
      inputSchema: GetStateArgs,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      source: 'home',
      keywords,
      handler: (args) =>
        guarded(async () => {
          const a = args as Static<typeof GetStateArgs>
          const states = a.refresh && a.device ? [await svc.refresh(a.device)] : svc.states({ device: a.device, room: a.room, type: a.type })
          return jsonResult({ states, broker: svc.status().broker })
        }),
    },
    {
      name: 'home_set_state',
      title: 'Set device state',
      description:
        'Set properties of one device or of every device of a room (e.g. {"state":"OFF"}). Values are checked against what each device accepts (see home_list_devices); the result is the state the devices confirm.' +
        roomText,
      inputSchema: SetStateArgs,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      source: 'home',
      keywords,
      handler: (args) =>
        guarded(async () => {
          const a = args as Static<typeof SetStateArgs>
          return outcome(await svc.set({ device: a.device, room: a.room }, a.state))
        }),
    },
    {
      name: 'smart_home_control',
      title: 'Control the lights of a room',
      description:
        'action "set_lights": switch, dim (brightness in percent), colour (name or hex) or colour temperature (kelvin) every light of a room; each light gets the values in its own range.' +
        roomText,
      inputSchema: SmartHomeArgs,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      source: 'home',
      keywords: [...keywords, 'light', 'lights', 'dim', 'colour', 'color', 'brightness'],
      handler: (args) =>
        guarded(async () => {
          const { action: _a, ...req } = args as Static<typeof SmartHomeArgs>
          return outcome(await svc.setLights(req))
        }),
    },
  ]
  const current = registry.get('home_list_devices')
  if (previous && current?.description === defs[0]!.description && current.keywords?.join() === keywords.join()) return previous
  // Registering a name again replaces the tool; the old removers then no longer match and do nothing.
  const removers = registry.batch(() => defs.map((d) => registry.register(d)))
  return () => registry.batch(() => removers.forEach((r) => r()))
}
