import { ValidationFailed } from '../core/errors'
import { COLOUR_NAMES, kelvinToMired, parseColour, rgbToHs, rgbToXy } from './color'
import type { DeviceModel, LightInfo } from './exposes'

export type LightsRequest = {
  state?: 'ON' | 'OFF' | 'TOGGLE'
  /** Percent, 0-100, mapped onto each light's own brightness range. */
  brightness?: number
  /** A colour name or hex. */
  color?: string
  /** Kelvin, mapped onto each light's mired range. */
  color_temp?: number
}

export type LightPlan = { payload: Record<string, unknown>; notes: string[] }

export function checkLightsRequest(req: LightsRequest): void {
  const issues: { path: string; message: string }[] = []
  if (req.state === undefined && req.brightness === undefined && req.color === undefined && req.color_temp === undefined) {
    issues.push({ path: '(request)', message: 'give at least one of state, brightness (0-100 %), color, color_temp (kelvin)' })
  }
  if (req.brightness !== undefined && !(req.brightness >= 0 && req.brightness <= 100)) issues.push({ path: 'brightness', message: 'brightness must be 0-100 (percent)' })
  if (req.color_temp !== undefined && !(req.color_temp >= 1000 && req.color_temp <= 10_000)) issues.push({ path: 'color_temp', message: 'color_temp must be 1000-10000 (kelvin)' })
  if (req.color !== undefined && !parseColour(req.color)) {
    issues.push({ path: 'color', message: `color must be a hex colour like "#ff8800" or one of ${COLOUR_NAMES.join(', ')}` })
  }
  if (req.color !== undefined && req.color_temp !== undefined) issues.push({ path: 'color', message: 'give color or color_temp, not both' })
  if (issues.length) throw new ValidationFailed(issues.map((i) => i.message).join('; '), issues)
}

/** What one light gets for a room-wide request, in that light's own units; notes say what was adapted. */
export function planLight(name: string, model: DeviceModel, req: LightsRequest): LightPlan {
  const payload: Record<string, unknown> = {}
  const notes: string[] = []
  for (const light of model.lights) Object.assign(payload, planEndpoint(name, light, req, notes))
  return { payload, notes }
}

function planEndpoint(name: string, light: LightInfo, req: LightsRequest, notes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const state = light.state
  if (req.state !== undefined) {
    const value = !state ? undefined : req.state === 'ON' ? state.valueOn : req.state === 'OFF' ? state.valueOff : state.valueToggle
    if (state && value !== undefined) out[state.property] = value
    else notes.push(`${name} cannot be switched ${req.state}`)
  }
  if (req.brightness !== undefined) {
    const b = light.brightness
    if (req.brightness === 0 && req.state === undefined && state) {
      out[state.property] = state.valueOff
    } else if (b) {
      const min = b.min ?? 0
      const max = b.max ?? 254
      out[b.property] = Math.round(min + (req.brightness / 100) * (max - min))
    } else {
      notes.push(`${name} is not dimmable`)
      if (req.state === undefined && state && req.brightness > 0) out[state.property] = state.valueOn
    }
  }
  if (req.color !== undefined) {
    const { rgb } = parseColour(req.color)!
    if (light.colorHs && (light.prefersHs || !light.colorXy)) out[light.colorHs.property] = rgbToHs(rgb)
    else if (light.colorXy) out[light.colorXy.property] = rgbToXy(rgb)
    else notes.push(`${name} has no colour`)
  }
  if (req.color_temp !== undefined) {
    const ct = light.colorTemp
    if (ct) {
      const { mired, clamped } = kelvinToMired(req.color_temp, { min: ct.min, max: ct.max })
      out[ct.property] = mired
      if (clamped) {
        const lo = ct.max ? Math.round(1_000_000 / ct.max) : undefined
        const hi = ct.min ? Math.round(1_000_000 / ct.min) : undefined
        notes.push(`${name}: ${req.color_temp} K is outside its range ${lo ?? '?'}-${hi ?? '?'} K; set to ${Math.round(1_000_000 / mired)} K (${mired} mired)`)
      }
    } else {
      notes.push(`${name} has no colour temperature`)
    }
  }
  return out
}
