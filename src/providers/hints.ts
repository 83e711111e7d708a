/** How a household adds a provider; part of every "no provider" error. */
export const HOW_TO_ADD =
  'add one under "providers:" in config/hearth.yaml (e.g. openai: { kind: openai, api_key: "${OPENAI_API_KEY}", model: gpt-4o-mini }), ' +
  "POST /api/v1/providers, or the admin panel's Providers page"
