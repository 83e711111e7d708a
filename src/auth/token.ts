import { timingSafeEqual } from 'node:crypto'

const PREFIX = 'hth_'

/** 256 random bits; the prefix lets secret scanners and people recognise a Hearth token. */
export function generateToken(): string {
  return PREFIX + generateSecret()
}

/** 256 random bits, URL- and cookie-safe. */
export function generateSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}

export function hashToken(token: string): string {
  return new Bun.CryptoHasher('sha256').update(token).digest('hex')
}

export function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

/** `Authorization: Bearer X` first, then `?token=X` (browsers cannot set headers on a WebSocket). */
export function tokenFromRequest(request: Request): string | undefined {
  const header = request.headers.get('authorization')
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    return m?.[1]
  }
  const q = new URL(request.url).searchParams.get('token')
  return q || undefined
}
