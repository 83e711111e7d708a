import { resolveConfig, type HearthConfig } from '../core/config'
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from '../core/errors'
import { newId } from '../core/ids'
import type { Logger } from '../core/log'
import type { Db } from '../db/client'
import { AuditLog } from './audit'
import { HubLimits } from './limits'
import { tokenRepo, type TokenRow } from './repo'
import { clearedSessionCookie, cookieFrom, SessionStore, sessionCookie } from './session'
import { generateToken, hashToken, sameHash } from './token'
import { hasScope, SCOPES, type AdminSessions, type Principal, type Scope } from './types'

export type TokenInfo = Omit<TokenRow, 'hash'>
const ADMIN_TOKEN_NAME = 'admin'
/** last_used_at is a hint, not an audit trail: write it at most once a minute per token. */
const TOUCH_EVERY_MS = 60_000

const SESSION_SWEEP_MS = 3_600_000

export type AuthOptions = {
  db: Db
  log: Logger
  enabled: () => boolean
  /** The live config (limits, session length, hosts); built-in defaults when omitted. */
  config?: () => HearthConfig
}

/**
 * Tokens, admin sessions, limits and the audit log: everything the guard (plugin.ts) decides with.
 */
export class AuthService implements AdminSessions {
  private repo
  private touched = new Map<string, number>()
  /**
   * Rows by token hash, so the hot path (every request) skips the query. Valid while SQLite's
   * data_version stands still: another process (the CLI revoking a token) bumps it; our own writes
   * clear the cache directly.
   */
  private rows = new Map<string, { row: TokenRow | undefined; version: number }>()
  private dataVersion: () => number
  readonly config: () => HearthConfig
  readonly sessions: SessionStore
  readonly limits: HubLimits
  readonly audit: AuditLog
  private sweeper?: ReturnType<typeof setInterval>

  constructor(private opts: AuthOptions) {
    this.repo = tokenRepo(opts.db)
    const probe = opts.db.$client.prepare('PRAGMA data_version')
    this.dataVersion = () => (probe.get() as { data_version: number }).data_version
    const defaults = opts.config ? undefined : resolveConfig({})
    this.config = opts.config ?? (() => defaults!)
    this.sessions = new SessionStore(opts.db)
    this.limits = new HubLimits(this.config)
    this.audit = new AuditLog({ db: opts.db, log: opts.log.child('audit'), retentionDays: () => this.config().auth.audit_retention_days })
  }

  get enabled(): boolean {
    return this.opts.enabled()
  }

  /** Timers only: sweeping expired sessions, old audit rows and idle rate buckets. */
  start(): void {
    this.limits.start()
    this.audit.start()
    this.sessions.sweep()
    this.sweeper ??= setInterval(() => this.sessions.sweep(), SESSION_SWEEP_MS)
    this.sweeper.unref?.()
  }

  stop(): void {
    clearInterval(this.sweeper)
    this.sweeper = undefined
    this.limits.stop()
    this.audit.stop()
  }

  /** Makes sure an admin token exists: HEARTH_ADMIN_TOKEN if given, else a generated one printed once. */
  bootstrap(envToken: string | undefined, print: (line: string) => void): void {
    this.opts.log.addSecret(envToken)
    if (!this.enabled) {
      this.opts.log.warn('auth is disabled (auth.enabled: false): anyone on the network can use this hub')
      return
    }
    if (envToken) {
      const existing = this.repo.byName(ADMIN_TOKEN_NAME)
      const hash = hashToken(envToken)
      if (!existing) this.insert(ADMIN_TOKEN_NAME, hash, ['admin'])
      else if (existing.hash !== hash || existing.revokedAt) {
        // A new secret under the old name: sessions opened with the old one end with it.
        this.rows.clear()
        this.repo.replaceHash(existing.id, hash, ['admin'])
        this.sessions.closeAllFor(existing.id)
      }
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
    this.rows.clear()
    if (this.repo.revoke(name, new Date()) === 0) throw new NotFound(`no active token named "${name}"`)
    const row = this.repo.byName(name)
    if (row) this.sessions.closeAllFor(row.id)
  }

  /** The principal behind a presented token, or null when it is unknown, revoked or expired. */
  authenticate(token: string | undefined): Principal | null {
    if (!this.enabled) return { tokenId: null, name: 'anonymous', scopes: ['admin'] }
    if (!token || token.length > 256) return null
    const hash = hashToken(token)
    const row = this.rowByHash(hash)
    if (!row || !sameHash(row.hash, hash)) return null
    return this.live(row)
  }

  private rowByHash(hash: string): TokenRow | undefined {
    const version = this.dataVersion()
    const cached = this.rows.get(hash)
    if (cached && cached.version === version) return cached.row
    // Bounded: unknown tokens are cached too, and a flood of them must not grow memory.
    if (this.rows.size >= 1024) this.rows.clear()
    const row = this.repo.byHash(hash)
    this.rows.set(hash, { row, version })
    return row
  }

  /** The principal behind an admin session cookie; the session dies with its token. */
  authenticateSession(cookie: string | undefined): Principal | null {
    if (!cookie || cookie.length > 256) return null
    const session = this.sessions.resolve(cookie)
    if (!session) return null
    const row = this.repo.byId(session.tokenId)
    const principal = row ? this.live(row) : null
    return principal && { ...principal, session: { csrf: session.csrf } }
  }

  login(token: string, request: Request, address: string | undefined): { setCookie: string } {
    const principal = this.authenticate(token.trim())
    if (!principal || principal.tokenId === null) throw new Unauthorized('that token is not valid')
    if (!hasScope(principal, 'admin')) throw new Forbidden('the admin panel needs a token with the "admin" scope')
    const { id, expiresAt } = this.sessions.open(principal.tokenId, this.config().auth.session_hours)
    this.opts.log.info('admin session opened', { actor: principal.name })
    return { setCookie: sessionCookie(id, expiresAt, this.isHttps(request, address)) }
  }

  logout(request: Request, address: string | undefined): { setCookie: string } {
    const id = cookieFrom(request)
    if (id && id.length <= 256) this.sessions.close(id)
    return { setCookie: clearedSessionCookie(this.isHttps(request, address)) }
  }

  /**
   * Whether the browser reached us over HTTPS: directly, or through a reverse proxy listed in
   * `server.trusted_proxies` that says so in X-Forwarded-Proto (anyone else could just claim it).
   */
  isHttps(request: Request, address: string | undefined): boolean {
    if (new URL(request.url).protocol === 'https:') return true
    const proto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
    return proto === 'https' && address !== undefined && this.config().server.trusted_proxies.includes(address)
  }

  private live(row: TokenRow): Principal | null {
    if (row.revokedAt) return null
    const now = Date.now()
    if (row.expiresAt && row.expiresAt.getTime() <= now) return null
    if ((this.touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
      this.touched.set(row.id, now)
      this.repo.touch(row.id, new Date(now))
    }
    return { tokenId: row.id, name: row.name, scopes: row.scopes }
  }

  private insert(name: string, hash: string, scopes: Scope[], expiresAt?: Date): string {
    this.rows.clear()
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
