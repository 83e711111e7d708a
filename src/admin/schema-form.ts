import { BadRequest } from '../core/errors'
import type { JsonSchema } from '../mcp/types'
import { html, json, type Safe } from './html'

type Prop = { type?: string | string[]; enum?: unknown[]; description?: string; default?: unknown; title?: string; minimum?: number; maximum?: number }

const FIELD = 'a:'
/**
 * A property as the form sees it: a union of constants (TypeBox's `Union([Literal…])`) is an
 * enum, and a union with null is its other member.
 */
function normal(p: Prop & { anyOf?: (Prop & { const?: unknown })[]; const?: unknown }): Prop {
  if (p.const !== undefined) return { ...p, enum: [p.const] }
  if (Array.isArray(p.anyOf)) {
    if (p.anyOf.every((o) => o.const !== undefined)) return { ...p, enum: p.anyOf.map((o) => o.const) }
    const members = p.anyOf.filter((o) => o.type !== 'null')
    if (members.length === 1) return { ...members[0], ...p, type: members[0]!.type, enum: members[0]!.enum }
  }
  return p
}

const props = (schema: JsonSchema) =>
  Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Prop>).map(([k, v]) => [k, normal(v)]))
const required = (schema: JsonSchema) => new Set((schema.required as string[] | undefined) ?? [])
const typeOf = (p: Prop) => (Array.isArray(p.type) ? p.type.find((t) => t !== 'null') : p.type)

/**
 * Form fields for a tool's input schema: strings, numbers and integers as inputs, enums as a
 * select, booleans as a true/false select (so "not given" stays expressible), anything else
 * (arrays, objects) as JSON in a textarea. `readArgs` turns the posted form back into arguments.
 */
export function schemaFields(schema: JsonSchema): Safe {
  const req = required(schema)
  const entries = Object.entries(props(schema))
  if (!entries.length) return html`<p class="muted">This tool takes no arguments.</p>`
  return html`${entries.map(([name, p]) => {
    const id = `f-${name}`
    const must = req.has(name)
    const label = html`<label for="${id}">${p.title ?? name}${must ? html` <span class="req" aria-hidden="true">*</span>` : ''}</label>`
    const help = p.description ? html`<small class="muted">${p.description}</small>` : ''
    const t = typeOf(p)
    let input: Safe
    if (Array.isArray(p.enum)) {
      input = html`<select id="${id}" name="${FIELD}${name}"${must ? html` required` : ''}>${must ? '' : html`<option value="">(not set)</option>`}${p.enum.map(
        (v) => html`<option value="${JSON.stringify(v)}"${v === p.default ? html` selected` : ''}>${String(v)}</option>`,
      )}</select>`
    } else if (t === 'boolean') {
      input = html`<select id="${id}" name="${FIELD}${name}"${must ? html` required` : ''}><option value="">(not set)</option><option value="true"${p.default === true ? html` selected` : ''}>true</option><option value="false"${p.default === false ? html` selected` : ''}>false</option></select>`
    } else if (t === 'number' || t === 'integer') {
      input = html`<input id="${id}" type="number" name="${FIELD}${name}" step="${t === 'integer' ? '1' : 'any'}"${p.minimum !== undefined ? html` min="${p.minimum}"` : ''}${p.maximum !== undefined ? html` max="${p.maximum}"` : ''} value="${typeof p.default === 'number' ? p.default : ''}"${must ? html` required` : ''}>`
    } else if (t === 'string') {
      input = html`<input id="${id}" name="${FIELD}${name}" value="${typeof p.default === 'string' ? p.default : ''}"${must ? html` required` : ''}>`
    } else {
      input = html`<textarea id="${id}" name="${FIELD}${name}" rows="3" placeholder="JSON${t === 'array' ? ', e.g. [1, 2]' : ''}"${must ? html` required` : ''}>${p.default !== undefined ? json(p.default) : ''}</textarea>`
    }
    return html`<div class="field">${label}${input}${help}</div>`
  })}`
}

/** The arguments a posted schema form stands for; an empty field means "not given". */
export function readArgs(schema: JsonSchema, form: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {}
  for (const [name, p] of Object.entries(props(schema))) {
    const raw = form[FIELD + name]
    if (typeof raw !== 'string' || raw === '') continue
    const t = typeOf(p)
    if (Array.isArray(p.enum)) args[name] = parseJson(name, raw)
    else if (t === 'boolean') args[name] = raw === 'true'
    else if (t === 'number' || t === 'integer') {
      const n = Number(raw)
      if (!Number.isFinite(n)) throw new BadRequest(`${name}: not a number`)
      args[name] = n
    } else if (t === 'string') args[name] = raw
    else args[name] = parseJson(name, raw)
  }
  return args
}

function parseJson(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    throw new BadRequest(`${name}: not valid JSON`)
  }
}
