import type { Scope } from '../db/schema/auth'

export type { Scope } from '../db/schema/auth'
export const SCOPES: readonly Scope[] = ['chat', 'tools:list', 'tools:call', 'admin']

/**
 * Who is calling. `admin` implies every other scope. `session` is set when the request was
 * authenticated by the admin panel's cookie (its CSRF token is what the panel must echo back).
 */
export type Principal = {
  tokenId: string | null
  name: string
  scopes: readonly Scope[]
  session?: { csrf: string }
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope)
}

/** Gives a slot back; calling it twice is harmless. */
export type Release = () => void

/**
 * Counters other features use for resources held longer than one request. Each `acquire*` throws
 * `RateLimited` (429) when the configured cap is reached; the caller must call the returned
 * `Release` when the socket closes or the stream ends.
 */
export interface Limits {
  /** One WebSocket connection from `address` (auth.ws_connections_per_address). */
  acquireConnection(address: string): Release
  /** One concurrently running answer stream for this principal (auth.streams_per_token). */
  acquireStream(principal: Principal): Release
  /** Counts one tool call against auth.tool_calls_per_minute (for calls not made over HTTP). */
  takeToolCall(principal: Principal): void
  /** auth.max_frame_bytes and auth.max_message_chars, read live from the config. */
  caps(): { maxFrameBytes: number; maxMessageChars: number }
}

/** What the tool registry reports after each call; the audit log stores it. */
export type { CallObservation as ToolCallRecord } from '../mcp/types'

/** The admin panel's view of sessions: log in with a token, log out, all cookie details inside. */
export interface AdminSessions {
  /** Checks the token (it must carry `admin`) and opens a session; returns the Set-Cookie value. */
  login(token: string, request: Request, address: string | undefined): { setCookie: string }
  /** Ends the session the request carries (if any); returns a Set-Cookie that clears it. */
  logout(request: Request, address: string | undefined): { setCookie: string }
}

export const SESSION_COOKIE = 'hearth_session'
export const CSRF_HEADER = 'x-csrf-token'
export const CSRF_FIELD = '_csrf'

/**
 * The principal the guard derived for this request. Feature plugins are separate Elysia instances,
 * so the guard's `derive` is not in their types; this reads it without a cast at every call site.
 */
export function principalOf(ctx: unknown): Principal {
  return (ctx as { principal?: Principal }).principal ?? { tokenId: null, name: 'anonymous', scopes: [] }
}

/** For WebSocket frames and other bodies the HTTP guard does not see. */
export { jsonTooDeep, MAX_JSON_DEPTH } from './json-depth'

/**
 * The JSON body the gate already parsed (it reads /mcp bodies to count tool calls), so the route
 * does not read and parse it a second time. Keyed by the request object; gone with it.
 */
export const parsedJsonBodies = new WeakMap<Request, unknown>()
