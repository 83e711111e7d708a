import { join, resolve } from 'node:path'
import { openDatabase } from '../db/client'
import { sqliteOverrideStore } from '../db/override-store'
import { dataDir, parse, UsageError, type Command } from './command'

export const config: Command = {
  summary: 'config reset: drop runtime overrides back to the file values',
  usage: 'hearth config reset [--data DIR]',
  async run(argv, { env, out }) {
    const { values, positionals } = parse(argv, {})
    if (positionals[0] !== 'reset' || positionals.length > 1) throw new UsageError(`usage: ${this.usage}`)
    const db = openDatabase(join(resolve(dataDir(values.data, env)), 'hearth.db'))
    try {
      const store = sqliteOverrideStore(db.db)
      const keys = Object.keys(store.load())
      store.clear()
      out(keys.length ? `cleared ${keys.length} runtime override(s): ${keys.join(', ')}` : 'no runtime overrides to clear')
    } finally {
      db.close()
    }
    return 0
  },
}
