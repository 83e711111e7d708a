import { t } from 'elysia'

/**
 * Request shapes of the providers API. Field values are checked once more, with every other
 * config key, by the config schema when the override is stored (core/config-schema.ts is the one
 * source of a provider's fields), so these only pin what routing needs.
 */
const Kind = t.Union([t.Literal('openai'), t.Literal('anthropic'), t.Literal('gemini')])

export const AddProviderBody = t.Object(
  {
    name: t.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', error: 'name: use 1-64 letters, digits, _ or -' }),
    kind: Kind,
    model: t.String({ minLength: 1 }),
    base_url: t.Optional(t.String({ pattern: '^https?://' })),
    api_key: t.Optional(t.String()),
  },
  { additionalProperties: true },
)

export const UpdateProviderBody = t.Object(
  {
    kind: t.Optional(Kind),
    model: t.Optional(t.String({ minLength: 1 })),
    base_url: t.Optional(t.String({ pattern: '^https?://' })),
    api_key: t.Optional(t.String()),
  },
  { additionalProperties: true, minProperties: 1 },
)

export const UseProviderBody = t.Optional(t.Object({ model: t.Optional(t.String({ minLength: 1 })) }))
