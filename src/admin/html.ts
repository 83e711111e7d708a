/**
 * The panel's one way to build markup: `html` escapes every interpolated value unless it is itself
 * the result of `html` (or `raw`, for markup that is already safe). Arrays are joined, `null`,
 * `undefined` and `false` render as nothing, so conditionals read naturally.
 */
export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export type Interpolation = Safe | string | number | boolean | null | undefined | readonly Interpolation[]

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return ''
  if (v instanceof Safe) return v.value
  if (Array.isArray(v)) return v.map(render).join('')
  return escapeHtml(String(v))
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Safe {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new Safe(out)
}

/** Markup the caller vouches for (a constant, or something built by `html`). */
export const raw = (s: string): Safe => new Safe(s)

/** Pretty JSON for display (escaped when interpolated). */
export const json = (v: unknown): string => JSON.stringify(v, null, 2) ?? 'undefined'
