import { BadRequest, Conflict, NotFound } from '../core/errors'
import { newId } from '../core/ids'
import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import { tokenRepo, type TokenRow } from './repo'
import { generateToken, hashToken, sameHash } from './token'
import { SCOPES, type Principal, type Scope } from './types'

export type TokenInfo = Omit<TokenRow, 'hash'>
const ADMIN_TOKEN_NAME = 'admin'
/** last_used_at is a hint, not an audit trail: write it at most once a minute per token. */
const TOUCH_EVERY_MS = 60_000

export type AuthOptions = { db: Db; log: Logger; enabled: () => boolean }

export class AuthService {
  private repo
  private touched = new Map<string, number>()

  constructor(private opts: AuthOptions) {
    this.repo = tokenRepo(opts.db)
  }

  get enabled(): boolean {
    return this.opts.enabled()
  }

  /** Makes sure an admin token exists: HEARTH_ADMIN_TOKEN if given, else a generated one printed once. */
  bootstrap(envToken: string | undefined, print: (line: string) => void): void {
    if (!this.enabled) {
      this.opts.log.warn('auth is disabled (auth.enabled: false): anyone on the network can use this hub')
      return
    }
    if (envToken) {
      this.opts.log.addSecret(envToken)
      const existing = this.repo.byName(ADMIN_TOKEN_NAME)
      const hash = hashToken(envToken)
      if (!existing) this.insert(ADMIN_TOKEN_NAME, hash, ['admin'])
      else if (existing.hash !== hash || existing.revokedAt) this.repo.replaceHash(existing.id, hash, ['admin'])
      return
    }
    if (this.repo.active().some((t) => t.scopes.includes('admin'))) return
    const { token } = this.create({ name: this.freeAdminName(), scopes: ['admin'] })
    print(`Admin token (shown once, store it now): ${token}`)
  }

  create(input: { name: string; scopes: Scope[]; expiresAt?: Date }): { token: string; info: TokenInfo } {
    const name = input.name.trim()
    if (!/^[\w.@-]{1,64}$/.test(name)) throw new BadRequest('token name must be 1-64 letters, digits, . _ @ or -')
    const bad = input.scopes.filter((s) => !SCOPES.includes(s))
    if (bad.length || input.scopes.length === 0) throw new BadRequest(`scopes must be some of ${SCOPES.join(', ')}; got ${input.scopes.join(',') || 'none'}`)
    if (this.repo.byName(name)) throw new Conflict(`a token named "${name}" exists`)
    const token = generateToken()
    this.opts.log.addSecret(token)
    this.insert(name, hashToken(token), [...new Set(input.scopes)], input.expiresAt)
    return { token, info: this.info(this.repo.byName(name)!) }
  }

  list(): TokenInfo[] {
    return this.repo.list().map((r) => this.info(r))
  }

  revoke(name: string): void {
    if (this.repo.revoke(name, new Date()) === 0) throw new NotFound(`no active token named "${name}"`)
  }

  /** The principal behind a presented token, or null when it is unknown, revoked or expired. */
  authenticate(token: string | undefined): Principal | null {
    if (!this.enabled) return { tokenId: null, name: 'anonymous', scopes: ['admin'] }
    if (!token) return null
    const hash = hashToken(token)
    const row = this.repo.byHash(hash)
    if (!row || !sameHash(row.hash, hash) || row.revokedAt) return null
    const now = Date.now()
    if (row.expiresAt && row.expiresAt.getTime() <= now) return null
    if ((this.touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.touched.set(row.id, now)
      this.repo.touch(row.id, new Date(now))
    }
    return { tokenId: row.id, name: row.name, scopes: row.scopes }
  }

  private insert(name: string, hash: string, scopes: Scope[], expiresAt?: Date): string {
    const id = newId('tok_')
    this.repo.insert({ id, name, hash, scopes, createdAt: new Date(), expiresAt: expiresAt ?? null })
    return id
  }

  private freeAdminName(): string {
    if (!this.repo.byName(ADMIN_TOKEN_NAME)) return ADMIN_TOKEN_NAME
    for (let i = 2; ; i++) if (!this.repo.byName(`${ADMIN_TOKEN_NAME}-${i}`)) return `${ADMIN_TOKEN_NAME}-${i}`
  }

  private info({ hash: _hash, ...rest }: TokenRow): TokenInfo {
    return rest
  }
}
