import { readdirSync, readFileSync } from 'node:fs'

/**
 * Linux process bookkeeping from /proc, so stopping a stdio server ends every process it started
 * (npx → node → the server), not just the child we spawned.
 */
export type ProcInfo = { pid: number; ppid: number; pgid: number; state: string }

export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: parse after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { pid, state: rest[0]!, ppid: Number(rest[1]), pgid: Number(rest[2]) }
  } catch {
    return null
  }
}

export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = []
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return out
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const info = readProc(Number(name))
    if (info) out.push(info)
  }
  return out
}

/**
 * Live (non-zombie) processes belonging to a tree: in process group `root`, or descended from
 * `root` through the parent chain (a grandchild that called setsid leaves the group, not the tree).
 */
export function treeOf(root: number, procs: ProcInfo[] = allProcs()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>()
  for (const p of procs) {
    const list = children.get(p.ppid)
    if (list) list.push(p)
    else children.set(p.ppid, [p])
  }
  const found = new Map<number, ProcInfo>()
  for (const p of procs) if (p.pgid === root) found.set(p.pid, p)
  const queue = [root, ...found.keys()]
  while (queue.length) {
    const pid = queue.pop()!
    const self = procs.find((p) => p.pid === pid)
    if (self && !found.has(pid)) found.set(pid, self)
    for (const c of children.get(pid) ?? []) if (!found.has(c.pid)) queue.push(c.pid)
  }
  return [...found.values()].filter((p) => p.state !== 'Z')
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // Already gone (ESRCH) or not ours to kill (EPERM): either way nothing more we can do.
  }
}

/**
 * SIGTERM to the group and every known descendant, then SIGKILL to whatever is left after
 * `graceMs`. Resolves with the pids still alive after all that (none, unless something is
 * unkillable or not ours), so the caller can say so.
 */
export async function killTree(root: number, graceMs: number): Promise<number[]> {
  let members = treeOf(root)
  const pids = new Set(members.map((p) => p.pid))
  signal(-root, 'SIGTERM')
  for (const p of members) signal(p.pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    await Bun.sleep(20)
    members = aliveOf(pids, root)
    if (members.length === 0) return []
  }
  signal(-root, 'SIGKILL')
  for (const p of aliveOf(pids, root)) signal(p.pid, 'SIGKILL')
  for (let i = 0; i < 50 && aliveOf(pids, root).length > 0; i++) await Bun.sleep(20)
  return aliveOf(pids, root).map((p) => p.pid)
}

/** The known pids still alive plus anything new that joined the group meanwhile. */
function aliveOf(pids: Set<number>, root: number): ProcInfo[] {
  const now = treeOf(root)
  for (const p of now) pids.add(p.pid)
  const alive: ProcInfo[] = [...now]
  for (const pid of pids) {
    if (now.some((p) => p.pid === pid)) continue
    const info = readProc(pid)
    if (info && info.state !== 'Z') alive.push(info)
  }
  return alive
}
