import { parseArgs, type ParseArgsConfig } from 'node:util'
import { findConfigPath } from '../core/config'

/** A sub-command. A new one is one file exporting this, listed once in `main.ts`. */
export type Command = {
  summary: string
  usage: string
  run(argv: string[], ctx: CliContext): Promise<number>
}

export type CliContext = {
  env: Record<string, string | undefined>
  out: (line: string) => void
}

/** A usage error: main prints `hearth: <message>` on one line and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
} as const satisfies Options

export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split(/\. To specify|\n/)[0]! : String(err))
  }
}

/** An environment variable set to "" counts as unset (a blank line in a unit file must not mean port 0). */
export function envValue(env: CliContext['env'], name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v
}

/** Flag, else environment, else the default: the same order for every setting. */
export function dataDir(flag: string | undefined, env: CliContext['env']): string {
  if (flag === '') throw new UsageError('--data must not be empty')
  return flag ?? envValue(env, 'HEARTH_DATA') ?? './data'
}

export function configPath(flag: string | undefined, env: CliContext['env']): string | undefined {
  if (flag === '') throw new UsageError('--config must not be empty')
  return findConfigPath(flag, { ...env, HEARTH_CONFIG: envValue(env, 'HEARTH_CONFIG') })
}
