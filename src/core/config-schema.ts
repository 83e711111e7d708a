import { Type as T, type Static } from '@sinclair/typebox'

/**
 * The shape of `hearth.yaml`. Key names are a contract (SPEC §2): add keys freely, rename none.
 * Every default lives here, so a missing file still yields a complete, valid config.
 */
const Level = T.Union([T.Literal('debug'), T.Literal('info'), T.Literal('warn'), T.Literal('error')])

export const ProviderSchema = T.Object(
  {
    kind: T.Union([T.Literal('openai'), T.Literal('anthropic'), T.Literal('gemini')]),
    base_url: T.Optional(T.String()),
    api_key: T.Optional(T.String()),
    model: T.String({ minLength: 1 }),
    temperature: T.Optional(T.Number({ minimum: 0, maximum: 2 })),
    top_p: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    max_tokens: T.Optional(T.Integer({ minimum: 1 })),
    image_model: T.Optional(T.String()),
    /** Budget for the vendor's reasoning/thinking stream, where it has one; 0 turns it off. */
    thinking_tokens: T.Optional(T.Integer({ minimum: 0 })),
    timeout_ms: T.Integer({ minimum: 100, default: 60_000 }),
    /** How long to wait for the first event before the provider counts as failed. */
    first_token_timeout_ms: T.Integer({ minimum: 100, default: 30_000 }),
    max_retries: T.Integer({ minimum: 0, maximum: 10, default: 2 }),
  },
  { additionalProperties: false },
)

export const McpServerSchema = T.Object(
  {
    command: T.Optional(T.String({ minLength: 1 })),
    args: T.Array(T.String(), { default: [] }),
    env: T.Record(T.String(), T.String(), { default: {} }),
    cwd: T.Optional(T.String()),
    url: T.Optional(T.String({ minLength: 1 })),
    headers: T.Record(T.String(), T.String(), { default: {} }),
    /** Only needed to pick the older HTTP+SSE transport; stdio and Streamable HTTP are inferred. */
    transport: T.Optional(T.Union([T.Literal('stdio'), T.Literal('http'), T.Literal('sse')])),
    enabled: T.Boolean({ default: true }),
    timeout_ms: T.Integer({ minimum: 100, default: 60_000 }),
    cache_ttl_s: T.Integer({ minimum: 0, default: 0 }),
    disabled_tools: T.Array(T.String(), { default: [] }),
  },
  { additionalProperties: false },
)

export const ConfigSchema = T.Object(
  {
    server: T.Object(
      {
        host: T.String({ default: '0.0.0.0' }),
        port: T.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
        /** Origins allowed on /mcp and the WebSocket besides the server's own host. */
        allowed_origins: T.Array(T.String(), { default: [] }),
        /** Host names (besides IP literals, localhost, this machine and .local/.lan/.home.arpa) accepted on /mcp and the WebSocket. */
        allowed_hosts: T.Array(T.String(), { default: [] }),
        /** Peers whose X-Forwarded-Proto is believed (a TLS reverse proxy on this machine by default). */
        trusted_proxies: T.Array(T.String(), { default: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: T.Object(
      { level: T.Optional(Level), levels: T.Record(T.String(), Level, { default: {} }) },
      { additionalProperties: false, default: {} },
    ),
    auth: T.Object(
      {
        enabled: T.Boolean({ default: true }),
        requests_per_minute: T.Integer({ minimum: 1, default: 600 }),
        tool_calls_per_minute: T.Integer({ minimum: 1, default: 120 }),
        streams_per_token: T.Integer({ minimum: 1, default: 8 }),
        ws_connections_per_address: T.Integer({ minimum: 1, default: 64 }),
        max_frame_bytes: T.Integer({ minimum: 1024, default: 1_048_576 }),
        max_message_chars: T.Integer({ minimum: 1, default: 100_000 }),
        session_hours: T.Integer({ minimum: 1, default: 24 }),
        audit_retention_days: T.Integer({ minimum: 1, default: 90 }),
      },
      { additionalProperties: false, default: {} },
    ),
    chat: T.Object(
      {
        provider: T.Optional(T.String()),
        fallback: T.Array(T.String(), { default: [] }),
        continue_on_fallback: T.Boolean({ default: false }),
        max_tool_hops: T.Integer({ minimum: 0, maximum: 64, default: 8 }),
        system_prompt: T.String({ default: 'You are the assistant of this home.' }),
        /** Rough token budget for the history sent with each turn. */
        context_tokens: T.Integer({ minimum: 256, default: 8000 }),
        persistence: T.Object(
          {
            interval_ms: T.Integer({ minimum: 10, default: 200 }),
            min_chars: T.Integer({ minimum: 1, default: 1024 }),
          },
          { additionalProperties: false, default: {} },
        ),
        retention: T.Object(
          {
            max_age_hours: T.Integer({ minimum: 1, default: 720 }),
            max_messages: T.Integer({ minimum: 1, default: 100_000 }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    providers: T.Record(T.String(), ProviderSchema, { default: {} }),
    mcp: T.Object(
      {
        servers: T.Record(T.String(), McpServerSchema, { default: {} }),
        /** A Claude-Desktop style `{ "mcpServers": { ... } }` file, merged with `servers`. */
        servers_file: T.Optional(T.String()),
        max_tools_in_context: T.Integer({ minimum: 1, default: 40 }),
      },
      { additionalProperties: false, default: {} },
    ),
    home: T.Object(
      {
        enabled: T.Boolean({ default: true }),
        mqtt_url: T.Optional(T.String()),
        base_topic: T.String({ default: 'zigbee2mqtt' }),
        username: T.Optional(T.String()),
        password: T.Optional(T.String()),
        client_id: T.Optional(T.String()),
        confirm_timeout_ms: T.Integer({ minimum: 50, default: 3000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
)

export type HearthConfig = Static<typeof ConfigSchema>
export type ProviderConfig = Static<typeof ProviderSchema>
export type McpServerConfig = Static<typeof McpServerSchema>
