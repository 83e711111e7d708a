import { describe, expect, test } from 'bun:test'
import { backoffDelay } from '../../src/aggregator/backoff'
import { resolveCommand, safeEnv, type CommandHost } from '../../src/aggregator/command'
import { assignNames, exposedName, sanitize } from '../../src/aggregator/tool-name'

const NAME = /^[A-Za-z0-9_.-]{1,128}$/

describe('tool names', () => {
  test('exposed names are <server>_<tool>, sanitised to the registry alphabet', () => {
    expect(exposedName('memory', 'read_graph')).toBe('memory_read_graph')
    expect(exposedName('my server', 'do it!')).toBe('my_server_do_it_')
    expect(sanitize('')).toBe('_')
    expect(exposedName('ünï', 'ok')).toMatch(NAME)
  })

  test('long names are cut to 128 characters and stay distinct', () => {
    const a = exposedName('s', 'x'.repeat(200) + 'a')
    const b = exposedName('s', 'x'.repeat(200) + 'b')
    expect(a).toMatch(NAME)
    expect(b).toMatch(NAME)
    expect(a).not.toBe(b)
    expect(exposedName('s', 'x'.repeat(200), '_2')).toEndWith('_2')
  })

  test('collisions are resolved in sorted server order whatever the input order, built-ins win', () => {
    const items = [
      { server: 'a_b', name: 'c' },
      { server: 'a', name: 'b_c' },
      { server: 'home', name: 'list' },
    ]
    const builtins = new Map([['home_list', 'builtin']])
    const one = assignNames(items, (n) => builtins.get(n))
    const two = assignNames([...items].reverse(), (n) => builtins.get(n))
    expect(one).toEqual(two)
    expect(one.assigned).toEqual([
      { server: 'a', name: 'b_c', exposed: 'a_b_c' },
      { server: 'a_b', name: 'c', exposed: 'a_b_c_2' },
      { server: 'home', name: 'list', exposed: 'home_list_2' },
    ])
    expect(one.collisions).toEqual([
      { server: 'a_b', name: 'c', wanted: 'a_b_c', exposed: 'a_b_c_2', with: 'a/b_c' },
      { server: 'home', name: 'list', wanted: 'home_list', exposed: 'home_list_2', with: 'builtin' },
    ])
  })
})

describe('backoff', () => {
  test('grows exponentially, is capped, and is jittered within bounds', () => {
    const fixed = { baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 }
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, fixed))).toEqual([100, 200, 400, 800, 1000, 1000])
    const low = backoffDelay(3, { ...fixed, random: () => 1 })
    expect(low).toBe(400)
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, { baseMs: 100, maxMs: 1000, jitter: 0.5 })
      expect(d).toBeGreaterThanOrEqual(200)
      expect(d).toBeLessThanOrEqual(400)
    }
  })
})

describe('node-style commands on a host without node', () => {
  const withoutNode: CommandHost = { execPath: '/opt/hearth/hearth', which: () => null }
  const withNode: CommandHost = { execPath: '/opt/hearth/hearth', which: (c) => `/usr/bin/${c}` }
  const spec = (command: string, args: string[]) => ({ command, args, env: { FOO: 'bar' } })

  test('npx -y pkg becomes <hearth> x pkg with BUN_BE_BUN=1', () => {
    const l = resolveCommand(spec('npx', ['-y', '@modelcontextprotocol/server-memory', '--flag']), { PATH: '/usr/bin' }, withoutNode)
    expect(l.argv).toEqual(['/opt/hearth/hearth', 'x', '@modelcontextprotocol/server-memory', '--flag'])
    expect(l.env).toEqual({ PATH: '/usr/bin', FOO: 'bar', BUN_BE_BUN: '1' })
    expect(l.viaBun).toBe(true)
  })

  test('node script.js becomes <hearth> script.js', () => {
    const l = resolveCommand(spec('node', ['dist/index.js', 'stdio']), {}, withoutNode)
    expect(l.argv).toEqual(['/opt/hearth/hearth', 'dist/index.js', 'stdio'])
    expect(l.env.BUN_BE_BUN).toBe('1')
  })

  test('when node is installed, or for any other command, nothing is rewritten', () => {
    expect(resolveCommand(spec('node', ['a.js']), {}, withNode)).toEqual({ argv: ['/usr/bin/node', 'a.js'], env: { FOO: 'bar' }, viaBun: false })
    expect(resolveCommand(spec('uvx', ['mcp-server-time']), {}, withoutNode).argv).toEqual(['uvx', 'mcp-server-time'])
    expect(resolveCommand(spec('/usr/local/bin/node', ['a.js']), {}, withoutNode).argv).toEqual(['/usr/local/bin/node', 'a.js'])
  })

  test("children get a safe subset of the hub's environment, never its API keys", () => {
    const env = safeEnv({ PATH: '/bin', HOME: '/root', OPENAI_API_KEY: 'sk-secret', HEARTH_ADMIN_TOKEN: 'x' })
    expect(env).toEqual({ PATH: '/bin', HOME: '/root' })
  })
})
