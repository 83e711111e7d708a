import { basename } from 'node:path'

/**
 * How a stdio server is started. A server written for Node (`npx -y pkg`, `node script.js`) also
 * runs on a host without Node (a Pi): Hearth's own executable is a Bun runtime, and with
 * `BUN_BE_BUN=1` the compiled binary behaves as the `bun` CLI (in a checkout `process.execPath` is
 * bun itself). So `npx -y pkg` becomes `<execPath> x pkg` and `node script.js` `<execPath> script.js`.
 */
export type CommandHost = {
  /** Our own executable: the compiled hearth binary, or bun in a checkout. */
  execPath: string
  /** Finds an executable on PATH (Bun.which); null when absent. */
  which(cmd: string, path: string | undefined): string | null
}

export const defaultHost = (): CommandHost => ({
  execPath: process.execPath,
  which: (cmd, path) => Bun.which(cmd, path === undefined ? undefined : { PATH: path }),
})

export type Launch = { argv: string[]; env: Record<string, string>; viaBun: boolean }

// npx flags that only matter to npm (the package is fetched by bun x either way).
const NPX_DROP = new Set(['-y', '--yes', '-q', '--quiet', '--no-install'])

export function resolveCommand(
  spec: { command: string; args: string[]; env: Record<string, string> },
  baseEnv: Record<string, string>,
  host: CommandHost,
): Launch {
  const env = { ...baseEnv, ...spec.env }
  const tool = basename(spec.command)
  const nodeStyle = tool === 'node' || tool === 'npx' || tool === 'bun' || tool === 'bunx'
  const found = spec.command.includes('/') ? spec.command : host.which(spec.command, env.PATH)
  if (found || !nodeStyle) return { argv: [found ?? spec.command, ...spec.args], env, viaBun: false }
  const bunEnv = { ...env, BUN_BE_BUN: '1' }
  if (tool === 'npx' || tool === 'bunx') {
    return { argv: [host.execPath, 'x', ...spec.args.filter((a) => !NPX_DROP.has(a))], env: bunEnv, viaBun: true }
  }
  return { argv: [host.execPath, ...spec.args], env: bunEnv, viaBun: true }
}

/**
 * The environment a stdio child gets: a small safe set from ours plus its own `env`. Never the
 * whole hub environment, which holds provider API keys a third-party server has no business with.
 */
const INHERITED = ['PATH', 'HOME', 'LOGNAME', 'USER', 'SHELL', 'TERM', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'BUN_INSTALL', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']

export function safeEnv(from: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of INHERITED) {
    const v = from[k]
    if (v !== undefined && !v.startsWith('()')) out[k] = v
  }
  return out
}
