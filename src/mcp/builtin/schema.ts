import { Type } from '@sinclair/typebox'
import { t } from 'elysia'

/**
 * Schema pieces the built-ins share. Elysia's own `t.Integer` is a string-or-integer union (for query
 * coercion) and `t.Record` a patternProperties schema: both read badly to MCP clients and models, so
 * the plain TypeBox integer and an open object are used instead.
 */
export const Int = (opts: Parameters<typeof Type.Integer>[0] = {}) => Type.Integer(opts)
export const Arguments = t.Object({}, { additionalProperties: true, description: "The tool's arguments, as its inputSchema describes" })

/** Any JSON value, spelled out: a bare `{}` schema reads as "nothing declared" to strict clients. */
const scalarOrObject = () => [t.String(), t.Number(), t.Boolean(), t.Null(), t.Object({}, { additionalProperties: true })]
export const JsonValue = (opts: { description?: string } = {}) =>
  t.Union([...scalarOrObject(), t.Array(t.Union([...scalarOrObject(), t.Array(t.Union(scalarOrObject()))]))], opts)
