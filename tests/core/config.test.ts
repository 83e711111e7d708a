import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigService, interpolate, parseMcpServersFile, resolveConfig, type OverrideStore } from '../../src/core/config'
import { ValidationFailed } from '../../src/core/errors'
import { EventBus, type HearthEvent } from '../../src/core/events'
import { createLogger } from '../../src/core/log'

const dirs: string[] = []
const services: ConfigService[] = []
afterAll(() => {
  for (const s of services) s.stop()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function memoryStore(initial: Record<string, unknown> = {}): OverrideStore & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = { ...initial }
  return {
    data,
    load: () => structuredClone(data),
    save: (k, v) => void (data[k] = v),
    remove: (k) => void delete data[k],
    clear: () => {
      for (const k of Object.keys(data)) delete data[k]
    },
  }
}

function setup(yaml: string | undefined, opts: { env?: Record<string, string>; store?: OverrideStore; files?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text)
  const path = yaml === undefined ? undefined : join(dir, 'hearth.yaml')
  if (path) writeFileSync(path, yaml!)
  const logs: Record<string, unknown>[] = []
  const events: HearthEvent[] = []
  const bus = new EventBus()
  bus.onAny((e) => events.push(e))
  const log = createLogger({ level: 'debug', sink: (line) => logs.push(JSON.parse(line)) })
  const svc = new ConfigService({ path, env: opts.env ?? {}, store: opts.store ?? memoryStore(), bus, log })
  services.push(svc)
  return { svc, dir, path: path!, logs, events, log }
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await Bun.sleep(10)
  }
}

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailed)
    return (err as ValidationFailed).issues
  }
  throw new Error('expected a ValidationFailed')
}

describe('validation', () => {
  test('no file at all yields a complete config of defaults', () => {
    const c = resolveConfig({})
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 8000, allowed_origins: [] })
    expect(c.auth.enabled).toBe(true)
    expect(c.chat.persistence).toEqual({ interval_ms: 200, min_chars: 1024 })
    expect(c.home.base_topic).toBe('zigbee2mqtt')
    expect(Object.isFrozen(c) && Object.isFrozen(c.server)).toBe(true)
  })

  test('every bad field is reported by its dotted path, once', () => {
    const issues = issuesOf(() =>
      resolveConfig({
        server: { port: 'eighty', extra: 1 },
        chat: { max_tool_hops: -1, persistence: { interval_ms: 1.5 } },
        providers: { openai: { kind: 'openia', model: 'gpt' }, local: { kind: 'openai' } },
        mcp: { servers: { memory: { command: 'npx', args: 'not-a-list' } } },
      }),
    )
    const paths = issues.map((i) => i.path).sort()
    expect(paths).toEqual(
      [
        'chat.max_tool_hops',
        'chat.persistence.interval_ms',
        'mcp.servers.memory.args',
        'providers.local.model',
        'providers.openai.kind',
        'server.extra',
        'server.port',
      ].sort(),
    )
    expect(issues.find((i) => i.path === 'providers.openai.kind')!.message).toBe('must be one of openai, anthropic, gemini')
    expect(new Set(paths).size).toBe(paths.length)
  })

  test('the error message itself names every path (it is what the log and the CLI print)', () => {
    try {
      resolveConfig({ server: { port: 70000 }, auth: { enabled: 'yes' } })
      throw new Error('unreachable')
    } catch (err) {
      expect((err as Error).message).toContain('server.port')
      expect((err as Error).message).toContain('auth.enabled')
    }
  })

  test('defaults are filled inside providers and MCP servers too', () => {
    const c = resolveConfig({ providers: { p: { kind: 'openai', model: 'm' } }, mcp: { servers: { s: { command: 'x' } } } })
    expect(c.providers.p!.timeout_ms).toBe(60_000)
    expect(c.mcp.servers.s).toMatchObject({ args: [], env: {}, enabled: true })
  })
})

describe('${ENV} interpolation', () => {
  test('reads variables, applies fallbacks, leaves plain text alone, walks arrays and objects', () => {
    const env = { KEY: 'sk-123', EMPTY: '' }
    expect(interpolate('${KEY}', env)).toBe('sk-123')
    expect(interpolate('Bearer ${KEY}', env)).toBe('Bearer sk-123')
    expect(interpolate('${MISSING:-http://localhost:11434}', env)).toBe('http://localhost:11434')
    expect(interpolate('${KEY:-unused}', env)).toBe('sk-123')
    expect(interpolate('${MISSING}', env)).toBe('')
    expect(interpolate('$KEY and {KEY}', env)).toBe('$KEY and {KEY}')
    expect(interpolate({ a: ['${KEY}', 3, true], b: { c: '${MISSING:-x}' } }, env)).toEqual({ a: ['sk-123', 3, true], b: { c: 'x' } })
  })

  test('the YAML file is interpolated from the given environment', () => {
    const { svc } = setup('providers:\n  openai: { kind: openai, api_key: "${OPENAI_API_KEY}", model: "${MODEL:-gpt-4o-mini}" }\n', {
      env: { OPENAI_API_KEY: 'sk-from-env-0001' },
    })
    const c = svc.load()
    expect(c.providers.openai).toMatchObject({ api_key: 'sk-from-env-0001', model: 'gpt-4o-mini' })
  })
})

describe('ConfigService', () => {
  test('sources: override beats file beats default; entries redact secrets', () => {
    const { svc } = setup('server: { port: 9001 }\nproviders:\n  openai: { kind: openai, api_key: "${KEY}", model: gpt-4o-mini }\n', {
      env: { KEY: 'sk-secret-value-42' },
    })
    svc.load()
    svc.set('chat.max_tool_hops', 3)
    expect(svc.sourceOf('chat.max_tool_hops')).toBe('override')
    expect(svc.sourceOf('server.port')).toBe('file')
    expect(svc.sourceOf('server.host')).toBe('default')
    const entries = Object.fromEntries(svc.entries().map((e) => [e.key, e]))
    expect(entries['chat.max_tool_hops']).toEqual({ key: 'chat.max_tool_hops', value: 3, source: 'override' })
    expect(entries['server.port']).toEqual({ key: 'server.port', value: 9001, source: 'file' })
    expect(entries['providers.openai.api_key']!.value).toBe('***')
    expect(JSON.stringify(svc.entries())).not.toContain('sk-secret-value-42')
  })

  test('set validates against the whole config; a bad value is refused with its path and nothing is stored', () => {
    const store = memoryStore()
    const { svc, events } = setup(undefined, { store })
    svc.load()
    const issues = issuesOf(() => svc.setMany({ 'chat.max_tool_hops': 4, 'server.port': 'x' }))
    expect(issues.map((i) => i.path)).toEqual(['server.port'])
    expect(store.data).toEqual({})
    expect(svc.current.chat.max_tool_hops).toBe(8)
    expect(events).toEqual([])
    expect(issuesOf(() => svc.set('no such key!', 1))[0]!.path).toBe('no such key!')
    expect(issuesOf(() => svc.set('server.nope', 1))[0]!.path).toBe('server.nope')
  })

  test('set, unset and reset emit config_changed with from, to and source', () => {
    const store = memoryStore()
    const { svc, events } = setup('chat: { max_tool_hops: 6 }\n', { store })
    svc.load()
    const changes = svc.set('chat.max_tool_hops', 2)
    expect(changes).toEqual([{ key: 'chat.max_tool_hops', from: 6, to: 2, source: 'override' }])
    expect(store.data).toEqual({ 'chat.max_tool_hops': 2 })
    expect(events).toEqual([{ type: 'config_changed', changes }])
    svc.unset('chat.max_tool_hops')
    expect(svc.current.chat.max_tool_hops).toBe(6)
    expect(svc.sourceOf('chat.max_tool_hops')).toBe('file')
    svc.setMany({ 'chat.max_tool_hops': 1, 'auth.session_hours': 2 })
    expect(svc.reset().map((c) => c.key).sort()).toEqual(['auth.session_hours', 'chat.max_tool_hops'])
    expect(store.data).toEqual({})
    expect(svc.set('chat.max_tool_hops', 6)).toEqual([]) // same value: nothing changed, nothing emitted
    expect(events.map((e) => e.type)).toEqual(['config_changed', 'config_changed', 'config_changed', 'config_changed']) // set, unset, setMany, reset
  })

  test('secrets in the config are masked in every log line', () => {
    const lines: string[] = []
    const log = createLogger({ sink: (l) => lines.push(l) })
    const svc = new ConfigService({
      env: {},
      store: memoryStore({ 'providers.x': { kind: 'openai', model: 'm', api_key: 'sk-live-abcdef123456' } }),
      bus: new EventBus(),
      log,
    })
    svc.load()
    log.info('oops', { detail: 'the key is sk-live-abcdef123456' })
    expect(lines.join('\n')).not.toContain('sk-live-abcdef123456')
    expect(lines.join('\n')).toContain('***')
  })

  test('stored overrides that no longer fit the file are ignored and logged, not fatal; the others stay', () => {
    const { svc, logs } = setup('server: { port: 9000 }\n', {
      store: memoryStore({ 'server.port': 'bad', 'chat.max_tool_hops': 3, 'providers.gone.model': 'm' }),
    })
    const c = svc.load()
    expect(c.server.port).toBe(9000)
    expect(c.chat.max_tool_hops).toBe(3)
    expect(svc.overrideKeys()).toEqual(['chat.max_tool_hops'])
    const warning = logs.find((l) => l.level === 'warn' && String(l.msg).includes('overrides'))!
    expect(warning.keys).toEqual(['server.port', 'providers.gone.model'])
  })

  test('a YAML syntax error or a missing file refuses to start with a clear reason', () => {
    expect(() => setup('server: [port\n').svc.load()).toThrow(/YAML syntax error/)
    const { svc, dir } = setup(undefined)
    const missing = new ConfigService({ path: join(dir, 'nope.yaml'), env: {}, store: memoryStore(), bus: new EventBus(), log: createLogger({ sink: () => {} }) })
    expect(() => missing.load()).toThrow(/config file not found/)
    expect(svc.load().server.port).toBe(8000)
  })
})

describe('hot reload of the YAML file', () => {
  test('a changed value takes effect and emits config_changed; an invalid edit keeps the last good config', async () => {
    const { svc, path, events, logs } = setup('chat: { max_tool_hops: 4 }\n')
    svc.load()
    svc.start(50)
    writeFileSync(path, 'chat: { max_tool_hops: 5 }\n')
    await until(() => svc.current.chat.max_tool_hops === 5)
    expect(events.at(-1)).toEqual({ type: 'config_changed', changes: [{ key: 'chat.max_tool_hops', from: 4, to: 5, source: 'file' }] })

    writeFileSync(path, 'chat: { max_tool_hops: "many" }\nserver: { port: -1 }\n')
    await until(() => logs.some((l) => l.level === 'error'))
    const refused = logs.find((l) => l.level === 'error')!
    expect(refused.msg).toContain('keeping the last good config')
    expect(refused.path).toBe(path)
    expect(String(refused.error)).toContain('chat.max_tool_hops')
    expect((refused.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(['chat.max_tool_hops', 'server.port'])
    expect(svc.current.chat.max_tool_hops).toBe(5)
    const emitted = events.length

    // Editors save by writing a new file and renaming it over the old one.
    writeFileSync(`${path}.tmp`, 'chat: { max_tool_hops: 7 }\n')
    renameSync(`${path}.tmp`, path)
    await until(() => svc.current.chat.max_tool_hops === 7)
    expect(events.length).toBe(emitted + 1)
  })

  test('an override still wins after the file changes under it', async () => {
    const { svc, path } = setup('chat: { max_tool_hops: 4, context_tokens: 1000 }\n')
    svc.load()
    svc.set('chat.max_tool_hops', 9)
    svc.start(50)
    writeFileSync(path, 'chat: { max_tool_hops: 2, context_tokens: 2000 }\n')
    await until(() => svc.current.chat.context_tokens === 2000)
    expect(svc.current.chat.max_tool_hops).toBe(9)
  })

  test('stop() ends watching: later edits are not applied', async () => {
    const { svc, path } = setup('chat: { max_tool_hops: 4 }\n')
    svc.load()
    svc.start(50)
    svc.stop()
    svc.stop()
    writeFileSync(path, 'chat: { max_tool_hops: 6 }\n')
    await Bun.sleep(200)
    expect(svc.current.chat.max_tool_hops).toBe(4)
  })
})

describe('Claude-Desktop servers_file', () => {
  const desktop = JSON.stringify({
    mcpServers: {
      memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '/tmp/m.json' } },
      remote: { type: 'sse', url: 'http://127.0.0.1:3001/sse' },
      github: { url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer ${GH}' }, type: 'http' },
      off: { command: 'x', disabled: true },
    },
  })

  test('parses mcpServers entries into our server shape', () => {
    const servers = parseMcpServersFile(desktop)
    expect(servers.remote).toEqual({ url: 'http://127.0.0.1:3001/sse', transport: 'sse' })
    expect(servers.github!.transport).toBe('http')
    expect(servers.off).toEqual({ command: 'x', enabled: false })
    expect(() => parseMcpServersFile('{"servers": {}}')).toThrow(/mcpServers/)
  })

  test('is merged with the YAML servers (YAML wins on a name clash), interpolated and redacted', () => {
    const { svc } = setup('mcp:\n  servers_file: servers_config.json\n  servers:\n    memory: { command: bunx, args: [mem] }\n', {
      files: { 'servers_config.json': desktop },
      env: { GH: 'ghp_secret_token_1' },
    })
    const c = svc.load()
    expect(Object.keys(c.mcp.servers).sort()).toEqual(['github', 'memory', 'off', 'remote'])
    expect(c.mcp.servers.memory!.command).toBe('bunx')
    expect(c.mcp.servers.github!.headers.Authorization).toBe('Bearer ghp_secret_token_1')
    expect(c.mcp.servers.remote!.transport).toBe('sse')
    expect(c.mcp.servers.off!.enabled).toBe(false)
    const text = JSON.stringify(svc.entries())
    expect(text).not.toContain('ghp_secret_token_1')
    expect(text).not.toContain('/tmp/m.json') // MCP env values are treated as secrets
  })

  test('a broken servers file is a config error naming mcp.servers_file', () => {
    const { svc } = setup('mcp: { servers_file: servers.json }\n', { files: { 'servers.json': '{ not json' } })
    expect(issuesOf(() => svc.load())[0]!.path).toBe('mcp.servers_file')
  })

  test('editing the servers file while running reloads it', async () => {
    const { svc, dir, events } = setup('mcp: { servers_file: servers.json }\n', { files: { 'servers.json': '{"mcpServers": {"a": {"command": "x"}}}' } })
    svc.load()
    svc.start(50)
    writeFileSync(join(dir, 'servers.json'), '{"mcpServers": {"a": {"command": "x"}, "b": {"url": "http://127.0.0.1:9/mcp"}}}')
    await until(() => 'b' in svc.current.mcp.servers)
    expect(events.some((e) => e.type === 'config_changed' && e.changes.some((c) => c.key === 'mcp.servers.b.url'))).toBe(true)
  })
})
