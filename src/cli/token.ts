import { join, resolve } from 'node:path'
import { AuthService, type TokenInfo } from '../auth/service'
import { SCOPES, type Scope } from '../auth/types'
import { createLogger } from '../core/log'
import { openDatabase } from '../db/client'
import { dataDir, parse, UsageError, type Command } from './command'

const USAGE = `hearth token create --name NAME --scopes a,b [--expires-in-hours H] [--data DIR]
hearth token list [--data DIR]
hearth token revoke NAME [--data DIR]

scopes: ${SCOPES.join(', ')} (admin implies all)`

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-')

function table(rows: TokenInfo[]): string[] {
  const now = Date.now()
  const cells = rows.map((r) => [
    r.name,
    r.scopes.join(','),
    when(r.createdAt),
    when(r.lastUsedAt),
    when(r.expiresAt),
    r.revokedAt ? 'revoked' : r.expiresAt && r.expiresAt.getTime() <= now ? 'expired' : 'active',
  ])
  const header = ['NAME', 'SCOPES', 'CREATED', 'LAST USED', 'EXPIRES', 'STATE']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  return [header, ...cells].map((c) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd())
}

/** Manages tokens in the data directory's database; a running hub sees the change at once. */
export const token: Command = {
  summary: 'token create|list|revoke: access tokens and their scopes',
  usage: USAGE,
  async run(argv, { env, out }) {
    const { values, positionals } = parse(argv, {
      name: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in-hours': { type: 'string' },
    })
    const [action, ...rest] = positionals
    const db = openDatabase(join(resolve(dataDir(values.data, env)), 'hearth.db'))
    try {
      // Checks are always on here: the CLI manages tokens whatever auth.enabled says.
      const auth = new AuthService({ db: db.db, log: createLogger({ level: 'error' }), enabled: () => true })
      if (action === 'create' && rest.length === 0) {
        if (!values.name) throw new UsageError('--name is required')
        if (!values.scopes) throw new UsageError(`--scopes is required (some of ${SCOPES.join(', ')})`)
        const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean) as Scope[]
        let expiresAt: Date | undefined
        if (values['expires-in-hours'] !== undefined) {
          const hours = Number(values['expires-in-hours'])
          if (!Number.isFinite(hours) || hours <= 0) throw new UsageError(`--expires-in-hours must be a positive number, got "${values['expires-in-hours']}"`)
          expiresAt = new Date(Date.now() + hours * 3_600_000)
        }
        const { token: secret, info } = auth.create({ name: values.name, scopes, expiresAt })
        out(secret)
        out(`token "${info.name}" created with scopes ${info.scopes.join(',')}${expiresAt ? `, expires ${when(expiresAt)}` : ''}; it is shown only this once.`)
        return 0
      }
      if (action === 'list' && rest.length === 0) {
        const rows = auth.list()
        if (rows.length === 0) out('no tokens')
        else for (const line of table(rows)) out(line)
        return 0
      }
      if (action === 'revoke' && rest.length === 1) {
        auth.revoke(rest[0]!)
        out(`token "${rest[0]}" revoked`)
        return 0
      }
      throw new UsageError(`usage:\n${USAGE}`)
    } finally {
      db.close()
    }
  },
}
