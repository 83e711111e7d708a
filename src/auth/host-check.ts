import { isIP } from 'node:net'
import { hostname } from 'node:os'

export type HostRules = { allowedHosts: readonly string[]; allowedOrigins: readonly string[]; machine?: string }

const LAN_SUFFIX = /\.(local|lan|home\.arpa)$/

/** `host[:port]` → lower-case host without port or IPv6 brackets. */
function bareHost(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase()
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined)
  const colon = h.lastIndexOf(':')
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h
}

/**
 * DNS-rebinding defence: a page from evil.example whose name was re-pointed at this hub still sends
 * `Host: evil.example`. Names a LAN really uses are accepted: IP literals, localhost, this
 * machine's name, mDNS/home names, and whatever `server.allowed_hosts` lists.
 */
export function hostAllowed(hostHeader: string | null, rules: HostRules): boolean {
  if (!hostHeader) return false
  const host = bareHost(hostHeader).replace(/\.$/, '')
  if (!host) return false
  if (isIP(host)) return true
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === (rules.machine ?? hostname()).toLowerCase()) return true
  if (LAN_SUFFIX.test(host)) return true
  return rules.allowedHosts.some((h) => h.toLowerCase() === host)
}

/** A present `Origin` must be this very host (scheme-agnostic) or one listed in `server.allowed_origins`. */
export function originAllowed(origin: string | null, hostHeader: string | null, rules: HostRules): boolean {
  if (origin === null) return true
  if (rules.allowedOrigins.some((o) => o.replace(/\/$/, '').toLowerCase() === origin.toLowerCase())) return true
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  return hostHeader !== null && url.host.toLowerCase() === hostHeader.trim().toLowerCase()
}
