import { startHub } from '../hub'
import { configPath, dataDir, envValue, parse, UsageError, type Command } from './command'

const STOP_DEADLINE_MS = 2000

export const serve: Command = {
  summary: 'start the hub (the default)',
  usage: 'hearth serve [--config PATH] [--host HOST] [--port N] [--data DIR]',
  async run(argv, { env, out }) {
    const { values, positionals } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } })
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    const port = parsePort(values.port !== undefined ? '--port' : 'HEARTH_PORT', values.port ?? envValue(env, 'HEARTH_PORT'))
    if (values.host === '') throw new UsageError('--host must not be empty')
    // Handlers go in before anything starts: a signal during start-up stops the hub once it is up
    // instead of killing the process half-way (Bun installs signal handlers asynchronously).
    const signalled = new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'))
      process.once('SIGTERM', () => done('SIGTERM'))
    })
    const hub = await startHub({
      configPath: configPath(values.config, env),
      dataDir: dataDir(values.data, env),
      env,
      host: values.host ?? envValue(env, 'HEARTH_HOST'),
      port,
      print: out,
    })
    out(`Hearth is listening on ${hub.url} (admin: ${hub.url}/admin)`)
    const signal = await signalled
    hub.services.log.info('stopping', { signal })
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref()
    await hub.stop()
    return 0
  },
}

function parsePort(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`${name} must be a port number 0-65535, got "${text}"`)
  return port
}
