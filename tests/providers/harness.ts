import { ConfigService, type OverrideStore } from '../../src/core/config'
import { EventBus } from '../../src/core/events'
import { createLogger } from '../../src/core/log'
import { ProviderService } from '../../src/providers/service'
import type { ChatEvent, FallbackEvent } from '../../src/providers/types'

/** An in-memory override store: the service reads the same ConfigService the hub does. */
export function memoryStore(): OverrideStore {
  const m = new Map<string, unknown>()
  return {
    load: () => Object.fromEntries(m),
    save: (k, v) => void m.set(k, v),
    remove: (k) => void m.delete(k),
    clear: () => m.clear(),
  }
}

/** A ProviderService over a config built from `providers` and `chat` (as overrides on defaults). */
export function makeService(tree: { providers?: Record<string, unknown>; chat?: Record<string, unknown> }) {
  const bus = new EventBus()
  const logs: string[] = []
  const log = createLogger({ level: 'info', sink: (l) => logs.push(l) })
  const config = new ConfigService({ env: {}, store: memoryStore(), bus, log: log.child('config') })
  config.load()
  const values: Record<string, unknown> = {}
  if (tree.providers) values.providers = tree.providers
  for (const [k, v] of Object.entries(tree.chat ?? {})) values[`chat.${k}`] = v
  if (Object.keys(values).length) config.setMany(values)
  const svc = new ProviderService({ config, bus, log: log.child('providers'), backoffMs: 20 })
  svc.start()
  return { svc, config, bus, logs }
}

export async function collect<T extends ChatEvent | FallbackEvent>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const e of it) out.push(e)
  return out
}

/** Runs the stream to its end or error; returns what arrived and the error. */
export async function drain<T>(it: AsyncIterable<T>): Promise<{ events: T[]; error: any }> {
  const events: T[] = []
  try {
    for await (const e of it) events.push(e)
    return { events, error: null }
  } catch (error) {
    return { events, error }
  }
}

export const signal = () => new AbortController().signal

export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await Bun.sleep(10)
  }
}
