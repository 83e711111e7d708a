import { startHub } from '../hub'
import { configPath, dataDir, parse, UsageError, type Command } from './command'

const STOP_DEADLINE_MS = 2000

export const serve: Command = {
  summary: 'start the hub (the default)',
  usage: 'hearth serve [--config PATH] [--host HOST] [--port N] [--data DIR]',
  async run(argv, { env, out }) {
    const { values, positionals } = parse(argv, { host: { type: 'string' }, port: { type: 'string' } })
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
    const portText = values.port ?? env.HEARTH_PORT
    const port = portText === undefined ? undefined : Number(portText)
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be 0-65535, got "${portText}"`)
    const hub = await startHub({
      configPath: configPath(values.config, env),
      dataDir: dataDir(values.data, env),
      env,
      host: values.host ?? env.HEARTH_HOST,
      port,
      print: out,
    })
    out(`Hearth is listening on ${hub.url} (admin: ${hub.url}/admin)`)
    await new Promise<void>((done) => {
      const shutdown = () => {
        setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref()
        hub.stop().then(done, done)
      }
      process.once('SIGINT', shutdown)
      process.once('SIGTERM', shutdown)
    })
    return 0
  },
}
