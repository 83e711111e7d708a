import { join, resolve } from 'node:path'
import { ConfigService } from '../core/config'
import { EventBus } from '../core/events'
import { createLogger } from '../core/log'
import { openDatabase } from '../db/client'
import { sqliteOverrideStore } from '../db/override-store'
import { HOW_TO_ADD } from '../providers/hints'
import { ProviderService } from '../providers/service'
import { configPath, dataDir, parse, UsageError, type Command } from './command'

const USAGE = 'hearth provider show | hearth provider use NAME [--model M]   [--config PATH] [--data DIR]'

/**
 * `provider show` / `provider use`: reads the same file and SQLite overrides as the server, and
 * writes the switch as an override there; a running server polls the store and applies it to the
 * next chat, no restart.
 */
export const provider: Command = {
  summary: 'provider show | use NAME [--model M]: see or switch the active model provider',
  usage: USAGE,
  async run(argv, { env, out }) {
    const { values, positionals } = parse(argv, { model: { type: 'string' } })
    const [sub, name, ...extra] = positionals
    if (sub !== 'show' && sub !== 'use') throw new UsageError(`usage: ${USAGE}`)
    if (sub === 'show' && (name || values.model)) throw new UsageError('usage: hearth provider show')
    if (sub === 'use' && (!name || extra.length)) throw new UsageError('usage: hearth provider use NAME [--model M]')

    const db = openDatabase(join(resolve(dataDir(values.data, env)), 'hearth.db'))
    try {
      const log = createLogger({ level: 'warn', sink: (line) => process.stderr.write(line + '\n') })
      const config = new ConfigService({ path: configPath(values.config, env), env, store: sqliteOverrideStore(db.db), bus: new EventBus(), log: log.child('config') })
      config.load()
      const svc = new ProviderService({ config, bus: new EventBus(), log: log.child('providers') })
      if (sub === 'use') {
        svc.use(name!, values.model)
        const active = svc.active()!
        out(`active provider: ${active.name} (model ${active.model}); a running hub uses it for the next chat`)
        const problem = svc.list().find((p) => p.name === active.name)?.problem
        if (problem) out(`warning: ${problem}`)
        return 0
      }
      const list = svc.list()
      if (list.length === 0) {
        out(`no provider configured: ${HOW_TO_ADD}`)
        return 0
      }
      const active = svc.active()!
      const fallback = svc.chain().slice(1)
      out(`active: ${active.name} (model ${active.model})`)
      out(`fallback: ${fallback.length ? fallback.join(', ') : '(none)'}`)
      const w = Math.max(...list.map((p) => p.name.length))
      const m = Math.max(...list.map((p) => p.model.length))
      for (const p of list) {
        const key = p.has_key ? 'key set' : p.problem ? 'NO KEY' : 'no key needed'
        out(`${p.active ? '*' : ' '} ${p.name.padEnd(w)}  ${p.kind.padEnd(9)}  ${p.model.padEnd(m)}  ${key.padEnd(13)}  ${p.base_url ?? ''}`.trimEnd())
      }
      return 0
    } finally {
      db.close()
    }
  },
}
