import type { Z2mExpose } from './topics'

/**
 * The device model derived from Zigbee2MQTT's `exposes` (zigbee2mqtt.io "Exposes"): what a device
 * reports, what can be set (and to what), what can be read with `/get`. `access` is a bitmask:
 * 1 = in the published state, 2 = settable via `/set`, 4 = readable via `/get`.
 */
export const ACCESS_STATE = 1
export const ACCESS_SET = 2
export const ACCESS_GET = 4

const SPECIFIC = ['light', 'switch', 'cover', 'lock', 'climate', 'fan'] as const
/** Which specific type names a device that has several. */
const PRIMARY = ['light', 'climate', 'cover', 'fan', 'lock', 'switch'] as const
export type DeviceKind = (typeof SPECIFIC)[number] | 'sensor' | 'other'

export type Feature = {
  /** The key in state and `/set` payloads (`name`, or `name_endpoint` when on an endpoint). */
  property: string
  name: string
  type: 'binary' | 'numeric' | 'enum' | 'text' | 'composite' | 'list'
  access: number
  /** The specific expose this feature belongs to (`light`, `cover`, ...). */
  parent?: (typeof SPECIFIC)[number]
  endpoint?: string
  category?: string
  description?: string
  unit?: string
  min?: number
  max?: number
  step?: number
  presets?: { name: string; value: number | string }[]
  values?: (string | number)[]
  valueOn?: unknown
  valueOff?: unknown
  valueToggle?: unknown
  /** Composite members (`x`/`y` of `color_xy`, `hue`/`saturation` of `color_hs`). */
  features?: Feature[]
  itemType?: Z2mExpose
  lengthMin?: number
  lengthMax?: number
}

/** What smart_home_control needs about one light (a device can carry several, one per endpoint). */
export type LightInfo = {
  endpoint?: string
  state?: Feature
  brightness?: Feature
  colorTemp?: Feature
  colorXy?: Feature
  colorHs?: Feature
  /** Zigbee2MQTT lists `color_hs` first for bulbs whose XY is unreliable. */
  prefersHs: boolean
}

export type DeviceModel = {
  kind: DeviceKind
  kinds: DeviceKind[]
  features: Feature[]
  reports: Feature[]
  /** Settable features by property; `color` may carry both `color_xy` and `color_hs`. */
  settable: Map<string, Feature[]>
  gettable: Feature[]
  lights: LightInfo[]
}

const GENERIC = new Set(['binary', 'numeric', 'enum', 'text', 'composite', 'list'])

function toFeature(e: Z2mExpose, parent?: Feature['parent'], endpoint?: string): Feature | null {
  if (!GENERIC.has(e.type)) return null
  const name = e.name ?? e.property ?? ''
  const property = e.property ?? name
  if (!property) return null
  const features = e.type === 'composite' ? (e.features ?? []).map((f) => toFeature(f)).filter((f): f is Feature => f !== null) : undefined
  // Composites carry access per feature (older versions omit it on the composite itself).
  const access = e.access ?? (features ? features.reduce((a, f) => a | f.access, 0) : ACCESS_STATE)
  return {
    property,
    name,
    type: e.type as Feature['type'],
    access,
    parent,
    endpoint: e.endpoint ?? endpoint,
    category: e.category,
    description: e.description,
    unit: e.unit,
    min: e.value_min,
    max: e.value_max,
    step: e.value_step,
    presets: e.presets?.map((p) => ({ name: p.name, value: p.value })),
    values: e.values,
    valueOn: e.value_on,
    valueOff: e.value_off,
    valueToggle: e.value_toggle,
    features,
    itemType: e.item_type,
    lengthMin: e.length_min,
    lengthMax: e.length_max,
  }
}

export function deriveModel(exposes: Z2mExpose[] | undefined | null): DeviceModel {
  const features: Feature[] = []
  const lights: LightInfo[] = []
  const kinds = new Set<DeviceKind>()
  for (const e of exposes ?? []) {
    if ((SPECIFIC as readonly string[]).includes(e.type)) {
      const parent = e.type as (typeof SPECIFIC)[number]
      kinds.add(parent)
      const own = (e.features ?? []).map((f) => toFeature(f, parent, e.endpoint)).filter((f): f is Feature => f !== null)
      features.push(...own)
      if (parent === 'light') lights.push(lightInfo(own, e.endpoint))
    } else {
      const f = toFeature(e)
      if (f) features.push(f)
    }
  }
  const settable = new Map<string, Feature[]>()
  for (const f of features) {
    if (!(f.access & ACCESS_SET)) continue
    settable.set(f.property, [...(settable.get(f.property) ?? []), f])
  }
  // A thermostat with a child lock is a climate device; a light is never "just" a switch.
  const ordered = PRIMARY.filter((k) => kinds.has(k))
  const primary: DeviceKind =
    ordered[0] ??
    (features.some((f) => f.access & ACCESS_SET && !f.category) ? 'other' : features.length ? 'sensor' : 'other')
  return {
    kind: primary,
    kinds: ordered.length ? [...ordered] : [primary],
    features,
    reports: features.filter((f) => f.access & ACCESS_STATE),
    settable,
    gettable: features.filter((f) => f.access & ACCESS_GET),
    lights,
  }
}

function lightInfo(own: Feature[], endpoint?: string): LightInfo {
  const by = (name: string) => own.find((f) => f.name === name && f.access & ACCESS_SET)
  const xyIndex = own.findIndex((f) => f.name === 'color_xy')
  const hsIndex = own.findIndex((f) => f.name === 'color_hs')
  return {
    endpoint,
    state: by('state'),
    brightness: by('brightness'),
    colorTemp: by('color_temp'),
    colorXy: by('color_xy'),
    colorHs: by('color_hs'),
    prefersHs: hsIndex >= 0 && (xyIndex < 0 || hsIndex < xyIndex),
  }
}

/** One short phrase per feature: what values it takes, for tool results and error messages. */
export function describeFeature(f: Feature): string {
  switch (f.type) {
    case 'binary': {
      const vals = [f.valueOn, f.valueOff, f.valueToggle].filter((v) => v !== undefined)
      return `${f.property}: ${vals.map(String).join('|')}`
    }
    case 'numeric': {
      const range = f.min !== undefined || f.max !== undefined ? ` ${f.min ?? '-∞'}-${f.max ?? '∞'}` : ''
      const presets = f.presets?.length ? ` (or ${f.presets.map((p) => p.name).join('|')})` : ''
      return `${f.property}${range}${f.unit ? ' ' + f.unit : ''}${presets}`
    }
    case 'enum':
      return `${f.property}: ${(f.values ?? []).join('|')}`
    case 'composite':
      return `${f.property} {${(f.features ?? []).map((x) => x.property).join(', ')}}`
    case 'list':
      return `${f.property}: list`
    default:
      return `${f.property}: text`
  }
}

/** The model's view: settable features (no config noise), reported values and readable ones. */
export function capabilitySummary(m: DeviceModel): { can_set: string[]; reports: string[]; can_get: string[] } {
  const seen = new Set<string>()
  const canSet: string[] = []
  for (const list of m.settable.values()) {
    for (const f of list) {
      if (f.category === 'config') continue
      const text = f.name === 'color_xy' ? 'color (xy, or a hex/name via smart_home_control)' : f.name === 'color_hs' ? 'color (hue/saturation)' : describeFeature(f)
      if (!seen.has(text)) canSet.push(text), seen.add(text)
    }
  }
  const reports = m.reports.filter((f) => !(f.access & ACCESS_SET) && f.category !== 'config').map((f) => `${f.property}${f.unit ? ' ' + f.unit : ''}`)
  const canGet = [...new Set(m.gettable.map((f) => f.property))]
  return { can_set: canSet, reports, can_get: canGet }
}
