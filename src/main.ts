#!/usr/bin/env bun
import { errorMessage, HearthError } from './core/errors'
import { processEnv } from './core/config'
import { VERSION } from './core/version'
import { UsageError, type Command } from './cli/command'
import { config } from './cli/config'
import { serve } from './cli/serve'
import { token } from './cli/token'
import { provider } from './cli/provider'

const commands: Record<string, Command> = { serve, config, token, provider }

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length))
  return [
    `hearth ${VERSION} — a LAN AI hub: streamed chat, one MCP tool registry, Zigbee devices`,
    '',
    'usage: hearth [command] [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'common options: --config PATH, --data DIR (default ./data)',
    'environment: HEARTH_CONFIG, HEARTH_HOST, HEARTH_PORT, HEARTH_DATA, HEARTH_ADMIN_TOKEN, HEARTH_LOG_LEVEL',
  ].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const ctx = { env: processEnv(), out: (line: string) => console.log(line) }
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') return console.log(help()), 0
  if (first === '--version' || first === '-v') return console.log(VERSION), 0
  const isCommand = first !== undefined && !first.startsWith('-')
  const command = isCommand ? commands[first] : serve
  try {
    if (!command) throw new UsageError(`unknown command "${first}" (try --help)`)
    if (rest.includes('--help') && isCommand) return console.log(command.usage), 0
    return await command.run(isCommand ? rest : argv, ctx)
  } catch (err) {
    if (err instanceof UsageError || err instanceof HearthError) console.error(`hearth: ${err.message}`)
    else console.error(`hearth: ${errorMessage(err)}`)
    return err instanceof UsageError ? 2 : 1
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)))
