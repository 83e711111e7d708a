import { t } from 'elysia'

/** Request shapes of the model registry and inference API (SPEC §7). */
const Params = t.Optional(
  t.Object(
    {
      temperature: t.Optional(t.Number({ minimum: 0, maximum: 2 })),
      top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
      max_tokens: t.Optional(t.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    { additionalProperties: false },
  ),
)

const Kind = t.Union([t.Literal('chat'), t.Literal('completion'), t.Literal('embedding')])

/** `provider:` is reserved for the providers' defaults, so a registered id has no colon. */
export const RegisterModelBody = t.Object(
  {
    id: t.Optional(t.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', error: 'id: 1-128 letters, digits, _, . or - (no colon)' })),
    provider: t.String({ minLength: 1, maxLength: 64 }),
    model: t.String({ minLength: 1, maxLength: 200 }),
    params: Params,
    kinds: t.Optional(t.Array(Kind, { minItems: 1, maxItems: 3 })),
  },
  { additionalProperties: false },
)

const ModelId = t.String({ minLength: 1, maxLength: 200 })

export const ChatBody = t.Object({
  model: ModelId,
  messages: t.Array(
    t.Object({ role: t.Union([t.Literal('system'), t.Literal('user'), t.Literal('assistant')]), content: t.String({ maxLength: 1_000_000 }) }),
    { minItems: 1, maxItems: 1000 },
  ),
  params: Params,
  stream: t.Optional(t.Boolean()),
})

export const CompletionBody = t.Object({
  model: ModelId,
  prompt: t.String({ minLength: 1, maxLength: 1_000_000 }),
  params: Params,
})

export const EmbeddingBody = t.Object({
  model: ModelId,
  input: t.Union([t.String({ minLength: 1 }), t.Array(t.String({ minLength: 1 }), { minItems: 1, maxItems: 256 })]),
})
