/**
 * The in-process event bus. Features publish typed events here; the WebSocket layer, the admin
 * panel and the MCP endpoint subscribe. Listeners run synchronously and must not throw: a throwing
 * listener is isolated so one bad subscriber never stops the others.
 */
export type ConfigChange = { key: string; from: unknown; to: unknown; source: 'file' | 'override' | 'default' }

export type HearthEvent =
  | { type: 'config_changed'; changes: ConfigChange[] }
  | { type: 'device_state'; device: string; state: Record<string, unknown> }
  | { type: 'device_availability'; device: string; available: boolean }
  | { type: 'devices_changed'; reason: string }
  | { type: 'tools_changed' }
  | { type: 'prompts_changed' }
  | { type: 'resources_changed' }
  | { type: 'mcp_server_status'; server: string; state: string; error?: string }
  | { type: 'conversation_changed'; conversation_id: string; change: 'created' | 'deleted' | 'message' }

export type EventType = HearthEvent['type']
type Of<T extends EventType> = Extract<HearthEvent, { type: T }>
type Listener<T extends EventType> = (event: Of<T>) => void

export class EventBus {
  private listeners = new Map<string, Set<(e: HearthEvent) => void>>()

  constructor(private onListenerError: (err: unknown, event: HearthEvent) => void = () => {}) {}

  on<T extends EventType>(type: T, fn: Listener<T>): () => void {
    return this.add(type, fn as (e: HearthEvent) => void)
  }

  onAny(fn: (e: HearthEvent) => void): () => void {
    return this.add('*', fn)
  }

  emit(event: HearthEvent): void {
    for (const key of [event.type, '*']) {
      const set = this.listeners.get(key)
      if (!set) continue
      for (const fn of set) {
        try {
          fn(event)
        } catch (err) {
          this.onListenerError(err, event)
        }
      }
    }
  }

  private add(key: string, fn: (e: HearthEvent) => void): () => void {
    let set = this.listeners.get(key)
    if (!set) this.listeners.set(key, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }
}
