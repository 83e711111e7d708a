/**
 * Colour conversions for smart_home_control: a colour name or hex becomes what a light takes
 * (CIE xy or hue/saturation); a colour temperature in kelvin becomes mireds.
 */
const NAMES: Record<string, string> = {
  red: '#ff0000',
  green: '#00ff00',
  blue: '#0000ff',
  white: '#ffffff',
  warm_white: '#ffd7a8',
  cool_white: '#e6f0ff',
  yellow: '#ffff00',
  orange: '#ffa500',
  amber: '#ffbf00',
  purple: '#800080',
  violet: '#ee82ee',
  magenta: '#ff00ff',
  pink: '#ffc0cb',
  cyan: '#00ffff',
  turquoise: '#40e0d0',
  teal: '#008080',
  lime: '#32cd32',
  gold: '#ffd700',
  coral: '#ff7f50',
  salmon: '#fa8072',
  crimson: '#dc143c',
  lavender: '#e6e6fa',
  indigo: '#4b0082',
  navy: '#000080',
  sky_blue: '#87ceeb',
  mint: '#98ff98',
}

export const COLOUR_NAMES = Object.keys(NAMES)

export type Rgb = { r: number; g: number; b: number }

/** A colour name ("warm white", "sky-blue") or hex ("#ff8800", "ff8800", "#f80"); null if neither. */
export function parseColour(input: string): { hex: string; rgb: Rgb } | null {
  const key = input.trim().toLowerCase().replace(/[\s-]+/g, '_')
  let hex = NAMES[key] ?? input.trim()
  if (/^#?[0-9a-f]{3}$/i.test(hex)) hex = '#' + hex.replace('#', '').split('').map((c) => c + c).join('')
  if (!/^#?[0-9a-f]{6}$/i.test(hex)) return null
  hex = '#' + hex.replace('#', '').toLowerCase()
  const n = parseInt(hex.slice(1), 16)
  return { hex, rgb: { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 } }
}

const linear = (c: number) => {
  const v = c / 255
  return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92
}

/** sRGB → CIE 1931 xy (D65, the wide-gamut matrix Zigbee lights use). */
export function rgbToXy({ r, g, b }: Rgb): { x: number; y: number } {
  const [R, G, B] = [linear(r), linear(g), linear(b)]
  const X = R * 0.664511 + G * 0.154324 + B * 0.162028
  const Y = R * 0.283881 + G * 0.668433 + B * 0.047685
  const Z = R * 0.000088 + G * 0.07231 + B * 0.986039
  const sum = X + Y + Z
  if (sum === 0) return { x: 0.3127, y: 0.329 }
  return { x: round4(X / sum), y: round4(Y / sum) }
}

/** sRGB → hue (0-360) and saturation (0-100), as Zigbee2MQTT's `color_hs` takes them. */
export function rgbToHs({ r, g, b }: Rgb): { hue: number; saturation: number } {
  const [R, G, B] = [r / 255, g / 255, b / 255]
  const max = Math.max(R, G, B)
  const min = Math.min(R, G, B)
  const d = max - min
  let h = 0
  if (d !== 0) {
    if (max === R) h = ((G - B) / d) % 6
    else if (max === G) h = (B - R) / d + 2
    else h = (R - G) / d + 4
  }
  const hue = Math.round((h * 60 + 360) % 360)
  const saturation = max === 0 ? 0 : Math.round((d / max) * 100)
  return { hue, saturation }
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000

/** Kelvin → mired, clamped to the light's range; says when it had to clamp. */
export function kelvinToMired(kelvin: number, range: { min?: number; max?: number }): { mired: number; clamped: boolean } {
  const raw = Math.round(1_000_000 / kelvin)
  const lo = range.min ?? 0
  const hi = range.max ?? Number.POSITIVE_INFINITY
  const mired = Math.min(hi, Math.max(lo, raw))
  return { mired, clamped: mired !== raw }
}
