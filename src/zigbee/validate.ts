import { ValidationFailed } from '../core/errors'
import { ACCESS_SET, describeFeature, type DeviceModel, type Feature } from './exposes'

type Issue = { path: string; message: string }

/** Options Zigbee2MQTT accepts on every light's `/set` without listing them in `exposes`. */
const LIGHT_OPTIONS = new Set(['transition'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))

/** Matches a string case-insensitively against the allowed values ("on" → "ON"). */
function pick(value: unknown, allowed: unknown[]): { ok: true; value: unknown } | { ok: false } {
  if (allowed.some((a) => a === value)) return { ok: true, value }
  if (typeof value === 'string') {
    const hits = allowed.filter((a) => typeof a === 'string' && a.toLowerCase() === value.toLowerCase())
    if (hits.length === 1) return { ok: true, value: hits[0] }
  }
  return { ok: false }
}

function checkNumeric(f: Feature, value: unknown, path: string, issues: Issue[]): unknown {
  if (typeof value === 'string' && f.presets?.length) {
    const preset = f.presets.find((p) => p.name.toLowerCase() === value.toLowerCase())
    if (preset) return preset.name
  }
  const range = f.min !== undefined && f.max !== undefined ? `${f.min}-${f.max}` : f.min !== undefined ? `>= ${f.min}` : f.max !== undefined ? `<= ${f.max}` : ''
  const presets = f.presets?.length ? ` or one of ${f.presets.map((p) => p.name).join(', ')}` : ''
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push({ path, message: `${path} must be a number${range ? ' ' + range : ''}${f.unit ? ' ' + f.unit : ''}${presets}, not ${show(value)}` })
    return value
  }
  if ((f.min !== undefined && value < f.min) || (f.max !== undefined && value > f.max)) {
    issues.push({ path, message: `${path} must be ${range}${f.unit ? ' ' + f.unit : ''}${presets}, not ${value}` })
    return value
  }
  if (f.step && f.step > 0) {
    const base = f.min ?? 0
    const steps = (value - base) / f.step
    if (Math.abs(steps - Math.round(steps)) > 1e-6) issues.push({ path, message: `${path} must be in steps of ${f.step}${range ? ' within ' + range : ''}, not ${value}` })
  }
  return value
}

function checkFeature(f: Feature, value: unknown, path: string, issues: Issue[]): unknown {
  switch (f.type) {
    case 'binary': {
      const allowed = [f.valueOn, f.valueOff, f.valueToggle].filter((v) => v !== undefined)
      const hit = pick(value, allowed)
      if (hit.ok) return hit.value
      issues.push({ path, message: `${path} must be one of ${allowed.map(show).join(', ')}, not ${show(value)}` })
      return value
    }
    case 'numeric':
      return checkNumeric(f, value, path, issues)
    case 'enum': {
      const hit = pick(value, f.values ?? [])
      if (hit.ok) return hit.value
      issues.push({ path, message: `${path} must be one of ${(f.values ?? []).map(show).join(', ')}, not ${show(value)}` })
      return value
    }
    case 'text':
      if (typeof value !== 'string') issues.push({ path, message: `${path} must be text, not ${show(value)}` })
      return value
    case 'list': {
      if (!Array.isArray(value)) {
        issues.push({ path, message: `${path} must be a list` })
        return value
      }
      if (f.lengthMin !== undefined && value.length < f.lengthMin) issues.push({ path, message: `${path} needs at least ${f.lengthMin} entries` })
      if (f.lengthMax !== undefined && value.length > f.lengthMax) issues.push({ path, message: `${path} takes at most ${f.lengthMax} entries` })
      return value
    }
    case 'composite':
      return checkComposite([f], value, path, issues)
  }
}

/**
 * A composite value (`color`): the keys must all belong to one of the composites under that
 * property. `{hex: "#rrggbb"}` is accepted wherever a colour composite is, as Zigbee2MQTT does.
 */
function checkComposite(options: Feature[], value: unknown, path: string, issues: Issue[]): unknown {
  const shapes = options.map((o) => `{${(o.features ?? []).map((x) => x.property).join(', ')}}`)
  const isColour = options.some((o) => o.name === 'color_xy' || o.name === 'color_hs')
  const expected = `${path} must be ${[...shapes, ...(isColour ? ['{hex: "#rrggbb"}'] : [])].join(' or ')}`
  if (!isObject(value)) {
    issues.push({ path, message: `${expected}, not ${show(value)}` })
    return value
  }
  const keys = Object.keys(value)
  if (isColour && keys.length === 1 && keys[0] === 'hex') {
    if (typeof value.hex !== 'string' || !/^#?[0-9a-f]{6}$/i.test(value.hex)) issues.push({ path: `${path}.hex`, message: `${path}.hex must be a colour like "#ff8800"` })
    return value
  }
  const match = options.find((o) => keys.length > 0 && keys.every((k) => o.features?.some((x) => x.property === k && x.access & ACCESS_SET)))
  if (!match) {
    issues.push({ path, message: `${expected}, not ${show(value)}` })
    return value
  }
  if (match.name === 'color_xy' && keys.length !== 2) issues.push({ path, message: `${path} needs both x and y` })
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const sub = match.features!.find((x) => x.property === k)!
    // Zigbee2MQTT does not bound x/y or hue/saturation in exposes; the colour spaces do.
    const bounded = sub.min === undefined && sub.max === undefined ? withNaturalRange(match.name, sub) : sub
    out[k] = checkFeature(bounded, value[k], `${path}.${k}`, issues)
  }
  return out
}

function withNaturalRange(composite: string, f: Feature): Feature {
  if (composite === 'color_xy') return { ...f, min: 0, max: 1 }
  if (composite === 'color_hs' && f.name === 'hue') return { ...f, min: 0, max: 360 }
  if (composite === 'color_hs' && f.name === 'saturation') return { ...f, min: 0, max: 100 }
  return f
}

export function settableSummary(model: DeviceModel): string {
  const parts = [...model.settable.values()].flat().map(describeFeature)
  return parts.length ? [...new Set(parts)].join('; ') : 'nothing (read-only device)'
}

/**
 * Checks a requested state against what the device can be set to. Returns the payload to publish
 * (values normalised, e.g. "on" → "ON"); throws `ValidationFailed` naming what is allowed.
 */
export function validateCommand(device: { name: string; model: DeviceModel }, command: Record<string, unknown>): Record<string, unknown> {
  const issues: Issue[] = []
  const payload: Record<string, unknown> = {}
  const keys = Object.keys(command)
  if (keys.length === 0) issues.push({ path: '(state)', message: `nothing to set on ${device.name}; settable: ${settableSummary(device.model)}` })
  for (const key of keys) {
    const value = command[key]
    const options = device.model.settable.get(key)
    if (options?.length) {
      payload[key] = options.length > 1 || options[0]!.type === 'composite' ? checkComposite(options, value, key, issues) : checkFeature(options[0]!, value, key, issues)
      continue
    }
    if (LIGHT_OPTIONS.has(key) && device.model.lights.length) {
      if (typeof value !== 'number' || value < 0) issues.push({ path: key, message: `${key} must be a number of seconds >= 0` })
      payload[key] = value
      continue
    }
    const reported = device.model.features.find((f) => f.property === key)
    const allowed = `settable on ${device.name}: ${settableSummary(device.model)}`
    issues.push({
      path: key,
      message: reported ? `${key} is read-only on ${device.name}; ${allowed}` : `${device.name} has no property "${key}"; ${allowed}`,
    })
  }
  if (issues.length) throw new ValidationFailed(issues.map((i) => i.message).join('; '), issues)
  return payload
}
