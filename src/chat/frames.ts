import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import type { TSchema } from '@sinclair/typebox'
import { ACTIONS, CompatClearHistory, CompatUserMessage, type ChatActionFrame } from './schema'

type Action = keyof typeof ACTIONS

/** One parsed client frame, or the reason it is not one (→ `bad_request`, socket stays open). */
export type Parsed =
  | { kind: 'action'; action: Action; frame: Record<string, unknown> & { request_id?: string } }
  | { kind: 'compat'; frame: { type: 'user_message'; message: string } | { type: 'clear_history' } }
  | { kind: 'bad'; requestId?: string; message: string }

type Checks = { actions: Record<Action, TypeCheck<TSchema>>; compatUser: TypeCheck<typeof CompatUserMessage>; compatClear: TypeCheck<typeof CompatClearHistory> }
let compiled: Checks | undefined

/**
 * Compiled on the first frame, not at import: TypeCompiler generates code through `new Function`,
 * and doing that at start cost the compiled binary ≈2.5 MB of idle RSS (bench binary).
 */
function compiledChecks(): Checks {
  compiled ??= {
    actions: Object.fromEntries(Object.entries(ACTIONS).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)])) as Record<Action, TypeCheck<TSchema>>,
    compatUser: TypeCompiler.Compile(CompatUserMessage),
    compatClear: TypeCompiler.Compile(CompatClearHistory),
  }
  return compiled
}

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  for (const e of check.Errors(value)) {
    const field = e.path.replace(/^\//, '').replaceAll('/', '.') || 'frame'
    return `${field}: ${e.message}`
  }
  return 'invalid frame'
}

/**
 * Elysia has already tried JSON.parse (a string that failed stays a string); the raw size is
 * measured on the text form, which for parsed objects is re-serialized (same length to within
 * whitespace). Checks are compiled once, on the first frame.
 */
export function parseFrame(message: unknown, maxBytes: number): Parsed {
  if (typeof message === 'string') {
    if (Buffer.byteLength(message) > maxBytes) return { kind: 'bad', message: `frame is larger than auth.max_frame_bytes (${maxBytes})` }
    try {
      message = JSON.parse(message)
    } catch {
      return { kind: 'bad', message: 'malformed JSON' }
    }
  } else if (message instanceof Uint8Array || message instanceof ArrayBuffer) {
    return { kind: 'bad', message: 'binary frames are not accepted; send JSON text' }
  } else if (message !== null && typeof message === 'object' && JSON.stringify(message).length > maxBytes) {
    return { kind: 'bad', requestId: requestIdOf(message), message: `frame is larger than auth.max_frame_bytes (${maxBytes})` }
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return { kind: 'bad', message: 'a frame must be a JSON object' }
  const obj = message as Record<string, unknown>
  const requestId = requestIdOf(obj)
  const { actions: checks, compatUser, compatClear } = compiledChecks()
  if (obj.action === undefined && typeof obj.type === 'string') {
    if (compatUser.Check(obj)) return { kind: 'compat', frame: obj as { type: 'user_message'; message: string } }
    if (compatClear.Check(obj)) return { kind: 'compat', frame: { type: 'clear_history' } }
    if (obj.type === 'user_message') return { kind: 'bad', message: firstError(compatUser, obj) }
    return { kind: 'bad', message: `unknown message type "${String(obj.type).slice(0, 40)}"` }
  }
  if (typeof obj.action !== 'string') return { kind: 'bad', requestId, message: 'missing "action"' }
  if (!(obj.action in checks)) return { kind: 'bad', requestId, message: `unknown action "${obj.action.slice(0, 40)}"; expected one of ${Object.keys(ACTIONS).join(', ')}` }
  const action = obj.action as Action
  // Payload fields may also come nested under `payload` (clients that keep the envelope separate).
  const nested = obj.payload && typeof obj.payload === 'object' && !Array.isArray(obj.payload)
  const frame: Record<string, unknown> = nested ? { ...(obj.payload as object), action, ...(requestId === undefined ? {} : { request_id: obj.request_id }) } : obj
  const check = checks[action]
  if (!check.Check(frame)) return { kind: 'bad', requestId, message: firstError(check, frame) }
  return { kind: 'action', action, frame }
}

function requestIdOf(obj: object): string | undefined {
  const id = (obj as { request_id?: unknown }).request_id
  return typeof id === 'string' ? id.slice(0, 200) : undefined
}

export type { ChatActionFrame }
