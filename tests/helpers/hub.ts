import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startHub, type Hub } from '../../src/hub'

export const ADMIN_TOKEN = 'hth_test_admin_token_0123456789abcdef'

/** Every log line of every test hub in this run, when the run-wide secret check is preloaded. */
function recordRunLog(line: string): void {
  ;(globalThis as { __hearthRunLogs?: string[] }).__hearthRunLogs?.push(line)
}

export type TestHub = Hub & {
  dir: string
  logs: string[]
  /** fetch against the hub with the admin token unless headers say otherwise. */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>
  close(): Promise<void>
}

/** A real hub on a free loopback port, with its own data dir and (optionally) a YAML config. */
export async function startTestHub(opts: { yaml?: string; env?: Record<string, string> } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-test-'))
  let configPath: string | undefined
  if (opts.yaml !== undefined) {
    configPath = join(dir, 'hearth.yaml')
    writeFileSync(configPath, opts.yaml)
  }
  const logs: string[] = []
  const hub = await startHub({
    configPath,
    dataDir: join(dir, 'data'),
    env: { HEARTH_ADMIN_TOKEN: ADMIN_TOKEN, ...opts.env },
    host: '127.0.0.1',
    port: 0,
    logSink: (line) => {
      logs.push(line)
      recordRunLog(line)
    },
    print: (line) => logs.push(line),
  })
  return {
    ...hub,
    dir,
    logs,
    api(path, init = {}) {
      const { token = ADMIN_TOKEN, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
      if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
      return fetch(hub.url + path, { ...rest, headers })
    },
    async close() {
      await hub.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
