import type { Db } from '../db/client'
import { sessionRepo, type SessionRow } from './repo'
import { generateSecret, hashToken } from './token'
import { SESSION_COOKIE } from './types'

/**
 * Admin panel sessions. The cookie carries 256 random bits; the row stores only their hash, so a
 * copy of the database opens no session. Each session has its own CSRF token.
 */
export class SessionStore {
  private repo

  constructor(db: Db) {
    this.repo = sessionRepo(db)
  }

  open(tokenId: string, hours: number): { id: string; csrf: string; expiresAt: Date } {
    const id = generateSecret()
    const csrf = generateSecret()
    const now = Date.now()
    const expiresAt = new Date(now + hours * 3_600_000)
    this.repo.insert({ hash: hashToken(id), tokenId, csrf, createdAt: new Date(now), expiresAt })
    return { id, csrf, expiresAt }
  }

  /** The live session behind a cookie value, or null (unknown or expired; expired rows are dropped). */
  resolve(id: string): SessionRow | null {
    const hash = hashToken(id)
    const row = this.repo.byHash(hash)
    if (!row) return null
    if (row.expiresAt.getTime() <= Date.now()) {
      this.repo.remove(hash)
      return null
    }
    return row
  }

  close(id: string): void {
    this.repo.remove(hashToken(id))
  }

  /** Ends every session opened with this token (it was revoked or its secret changed). */
  closeAllFor(tokenId: string): void {
    this.repo.removeForToken(tokenId)
  }

  sweep(): void {
    this.repo.removeExpired(new Date())
  }
}

export function cookieFrom(request: Request, name = SESSION_COOKIE): string | undefined {
  const header = request.headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}

/** HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure over HTTPS. */
export function sessionCookie(id: string, expiresAt: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 1000))
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}; Expires=${expiresAt.toUTCString()}${secure ? '; Secure' : ''}`
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${secure ? '; Secure' : ''}`
}
