import { afterAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pkg from '../../package.json'
import { freePort, runCli, startServer, type RunningServer } from '../helpers/cli'

const dirs: string[] = []
const servers: RunningServer[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) await s.terminate()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const TOKEN = 'hth_cli_test_admin_token_0123456789'

describe('CLI usage', () => {
  test('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help'], { cwd: tempDir() })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('usage: hearth')
    expect(r.stdout).toContain('serve')
    expect(r.stdout).toContain('config')
    expect(r.stdout).toContain('HEARTH_ADMIN_TOKEN')
  })

  test('--version prints the package version', async () => {
    const r = await runCli(['--version'], { cwd: tempDir() })
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(pkg.version)
  })

  const bad: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown flag', ['serve', '--bogus'], /bogus/],
    ['an unknown flag without a command', ['--bogus'], /bogus/],
    ['a port that is not a number', ['serve', '--port', 'abc'], /--port must be a port number 0-65535, got "abc"/],
    ['a port out of range', ['serve', '--port', '70000'], /--port must be a port number/],
    ['an empty port', ['serve', '--port', ''], /--port must be a port number/],
    ['a stray argument', ['serve', 'extra'], /unexpected argument "extra"/],
    ['config without reset', ['config', 'show'], /usage: hearth config reset/],
  ]
  for (const [what, args, message] of bad) {
    test(`${what} prints one line and exits non-zero`, async () => {
      const dir = tempDir()
      const r = await runCli(args, { cwd: dir, env: { HEARTH_ADMIN_TOKEN: TOKEN } })
      expect(r.code).not.toBe(0)
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toStartWith('hearth: ')
      expect(lines[0]).toMatch(message)
      // Bad usage never gets as far as creating a database.
      expect(existsSync(join(dir, 'data'))).toBe(false)
    })
  }

  test('a bad HEARTH_PORT is refused the same way', async () => {
    const r = await runCli(['serve'], { cwd: tempDir(), env: { HEARTH_PORT: '80x' } })
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toBe('hearth: HEARTH_PORT must be a port number 0-65535, got "80x"')
  })

  test('a port already in use is one clear line and a non-zero exit, not a stack trace', async () => {
    const busy = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('taken') })
    try {
      const dir = tempDir()
      const r = await runCli(['serve', '--host', '127.0.0.1', '--port', String(busy.port), '--data', join(dir, 'data')], {
        cwd: dir,
        env: { HEARTH_ADMIN_TOKEN: TOKEN },
      })
      expect(r.code).toBe(1)
      // JSON log lines of parts that started before the listen may precede it; nothing else may.
      const plain = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'))
      expect(plain).toEqual([`hearth: Failed to start server. Is port ${busy.port} in use?`])
    } finally {
      busy.stop(true)
    }
  })

  test('an invalid config file stops serve with every bad path on one line', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.yaml'), 'server: { port: "eighty" }\nchat: { max_tool_hops: -1 }\n')
    const r = await runCli(['serve', '--config', join(dir, 'bad.yaml'), '--data', join(dir, 'data')], { cwd: dir })
    expect(r.code).not.toBe(0)
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('hearth: '))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('server.port')
    expect(lines[0]).toContain('chat.max_tool_hops')
  })
})

describe('serve: flag wins over environment wins over file', () => {
  async function serveWith(opts: { args?: string[]; env?: Record<string, string>; filePort: number }) {
    const dir = tempDir()
    writeFileSync(join(dir, 'hearth.yaml'), `server: { host: 127.0.0.1, port: ${opts.filePort} }\n`)
    const server = await startServer(['serve', '--config', join(dir, 'hearth.yaml'), ...(opts.args ?? [])], {
      cwd: dir,
      env: { HEARTH_ADMIN_TOKEN: TOKEN, ...opts.env },
    })
    servers.push(server)
    const port = Number(new URL(server.url).port)
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200)
    expect((await server.terminate()).code).toBe(0)
    return { port, dir }
  }

  test('the file port applies when nothing else is given', async () => {
    const filePort = freePort()
    expect((await serveWith({ filePort })).port).toBe(filePort)
  })

  test('HEARTH_PORT beats the file; --port beats HEARTH_PORT', async () => {
    const [filePort, envPort, flagPort] = [freePort(), freePort(), freePort()]
    expect((await serveWith({ filePort, env: { HEARTH_PORT: String(envPort) } })).port).toBe(envPort)
    expect((await serveWith({ filePort, env: { HEARTH_PORT: String(envPort) }, args: ['--port', String(flagPort)] })).port).toBe(flagPort)
  })

  test('HEARTH_DATA and --data choose the database folder; HEARTH_CONFIG the file', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'env.yaml'), 'server: { host: 127.0.0.1, port: 0 }\n')
    const env = { HEARTH_ADMIN_TOKEN: TOKEN, HEARTH_DATA: join(dir, 'env-data'), HEARTH_CONFIG: join(dir, 'env.yaml') }
    const a = await startServer(['serve'], { cwd: dir, env })
    servers.push(a)
    const info = (await (await fetch(`${a.url}/api/v1/info`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { config_path: string }
    expect(info.config_path).toBe(join(dir, 'env.yaml'))
    expect((await a.terminate()).code).toBe(0)
    expect(existsSync(join(dir, 'env-data', 'hearth.db'))).toBe(true)

    const b = await startServer(['serve', '--data', join(dir, 'flag-data')], { cwd: dir, env })
    servers.push(b)
    expect((await b.terminate()).code).toBe(0)
    expect(existsSync(join(dir, 'flag-data', 'hearth.db'))).toBe(true)
  })

  test('HEARTH_HOST chooses the interface', async () => {
    const dir = tempDir()
    const s = await startServer(['serve', '--port', '0', '--data', join(dir, 'data')], {
      cwd: dir,
      env: { HEARTH_ADMIN_TOKEN: TOKEN, HEARTH_HOST: '127.0.0.1' },
    })
    servers.push(s)
    expect(new URL(s.url).hostname).toBe('127.0.0.1')
    expect((await s.terminate()).code).toBe(0)
  })
})

describe('serve: clean shutdown', () => {
  test('SIGTERM exits 0 within 2 s, checkpoints the WAL and keeps every row', async () => {
    const dir = tempDir()
    const data = join(dir, 'data')
    const server = await startServer(['serve', '--port', '0', '--host', '127.0.0.1', '--data', data], {
      cwd: dir,
      env: { HEARTH_ADMIN_TOKEN: TOKEN },
    })
    servers.push(server)
    const patch = await fetch(`${server.url}/api/v1/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ set: { 'chat.max_tool_hops': 5 } }),
    })
    expect(patch.status).toBe(200)
    const { code, ms } = await server.terminate()
    expect(code).toBe(0)
    expect(ms).toBeLessThan(2000)
    // The last connection closed: SQLite folded the WAL back into the main file.
    expect(existsSync(join(data, 'hearth.db-wal'))).toBe(false)
    const db = new Database(join(data, 'hearth.db'), { readonly: true })
    try {
      expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
      expect(db.query("SELECT value FROM config_overrides WHERE key = 'chat.max_tool_hops'").get()).toEqual({ value: '5' })
    } finally {
      db.close()
    }
  })

  test('SIGINT stops it as well', async () => {
    const dir = tempDir()
    const server = await startServer(['--port', '0', '--host', '127.0.0.1', '--data', join(dir, 'data')], {
      cwd: dir,
      env: { HEARTH_ADMIN_TOKEN: TOKEN },
    })
    servers.push(server)
    server.proc.kill('SIGINT')
    expect(await server.proc.exited).toBe(0)
  })

  test('without HEARTH_ADMIN_TOKEN an admin token is generated and printed once', async () => {
    const dir = tempDir()
    const data = join(dir, 'data')
    mkdirSync(data)
    const first = await startServer(['serve', '--port', '0', '--host', '127.0.0.1', '--data', data], { cwd: dir })
    servers.push(first)
    const line = first.stdout.find((l) => l.startsWith('Admin token'))
    expect(line).toBeDefined()
    const token = /(hth_\S+)/.exec(line!)![1]!
    expect((await fetch(`${first.url}/api/v1/info`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await first.terminate()).code).toBe(0)
    expect(first.stderr()).not.toContain(token)

    const second = await startServer(['serve', '--port', '0', '--host', '127.0.0.1', '--data', data], { cwd: dir })
    servers.push(second)
    expect(second.stdout.some((l) => l.startsWith('Admin token'))).toBe(false)
    expect((await second.terminate()).code).toBe(0)
  })
})
