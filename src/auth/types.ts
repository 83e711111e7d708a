import type { Scope } from '../db/schema/auth'

export type { Scope } from '../db/schema/auth'
export const SCOPES: readonly Scope[] = ['chat', 'tools:list', 'tools:call', 'admin']

/** Who is calling. `admin` implies every other scope. */
export type Principal = { tokenId: string | null; name: string; scopes: readonly Scope[] }

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes('admin') || p.scopes.includes(scope)
}
