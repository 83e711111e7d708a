/**
 * The one place exposed names of aggregated tools and prompts are made (`<server>_<tool>`, SPEC
 * §5). Names are never parsed back: the aggregator keeps a table exposed → (server, original).
 */
const ALLOWED = /[^A-Za-z0-9_.-]/g
export const MAX_NAME = 128

/** Maps anything to the registry's alphabet `[A-Za-z0-9_.-]`, never empty. */
export function sanitize(part: string): string {
  const clean = part.replace(ALLOWED, '_')
  return clean.length > 0 ? clean : '_'
}

/** A short stable hash, so two long names that differ only at the end stay distinct when cut. */
function shortHash(text: string): string {
  return (Bun.hash.wyhash(text) & 0xffffffn).toString(16).padStart(6, '0')
}

/** `<server>_<tool>`, sanitised and cut to 128 characters (a cut name keeps a hash of the whole). */
export function exposedName(server: string, tool: string, suffix = ''): string {
  const full = `${sanitize(server)}_${sanitize(tool)}`
  if (full.length + suffix.length <= MAX_NAME) return full + suffix
  const tail = `~${shortHash(full)}`.replace(ALLOWED, '_') + suffix
  return full.slice(0, MAX_NAME - tail.length - 1) + '-' + tail.slice(1)
}

export type NameRequest = { server: string; name: string }
export type Assigned = NameRequest & { exposed: string }
export type Collision = { server: string; name: string; wanted: string; exposed: string; with: string }

/**
 * Assigns exposed names to every (server, name) pair. Deterministic: servers in sorted order, then
 * their items in sorted order; the first claimant keeps the plain name, later ones get `_2`, `_3`…
 * `taken(name)` reports names owned by someone else (built-in tools), which always win.
 */
export function assignNames(items: NameRequest[], taken: (name: string) => string | undefined): { assigned: Assigned[]; collisions: Collision[] } {
  const sorted = [...items].sort((a, b) => (a.server === b.server ? cmp(a.name, b.name) : cmp(a.server, b.server)))
  const owner = new Map<string, string>()
  const assigned: Assigned[] = []
  const collisions: Collision[] = []
  for (const item of sorted) {
    const wanted = exposedName(item.server, item.name)
    let exposed = wanted
    let holder = owner.get(exposed) ?? taken(exposed)
    const firstHolder = holder
    for (let n = 2; holder !== undefined; n++) {
      exposed = exposedName(item.server, item.name, `_${n}`)
      holder = owner.get(exposed) ?? taken(exposed)
    }
    owner.set(exposed, `${item.server}/${item.name}`)
    assigned.push({ ...item, exposed })
    if (firstHolder !== undefined) collisions.push({ ...item, wanted, exposed, with: firstHolder })
  }
  return { assigned, collisions }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
