import type { ToolInfo, ToolRegistry } from './types'

type Doc = {
  tool: ToolInfo
  name: string
  nameTokens: Set<string>
  argTokens: Set<string>
  keywordTokens: Set<string>
  descTokens: Set<string>
}

export type ToolHit = { name: string; description: string; source: string; score: number }

/** Lower-case words of a name or text: snake_case, kebab, dotted and camelCase all split. */
export function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
}

const STOP = new Set(['a', 'an', 'the', 'to', 'of', 'for', 'and', 'or', 'in', 'on', 'with', 'is', 'it', 'my', 'me', 'i', 'tool', 'tools'])

/**
 * Ranked search over every registered tool (built-in, home, aggregated). Scores, per query word:
 * the whole query equal to a name wins outright (1000), a name word 10, a name substring 5, a
 * keyword 4, an argument name 3, a description word 2, a description word prefix 1; tools that
 * match every query word get a bonus. The index is rebuilt lazily after the registry changes, so
 * a search over 1,000 tools is a scan of precomputed sets (well under a millisecond per query).
 */
export class ToolSearch {
  private docs: Doc[] | null = null

  constructor(private registry: ToolRegistry) {
    registry.onChange(({ kind }) => {
      if (kind === 'tools') this.docs = null
    })
  }

  search(query: string, limit = 10): ToolHit[] {
    const docs = (this.docs ??= this.registry.list().map(index))
    const q = query.trim().toLowerCase()
    const words = [...new Set(tokens(q))].filter((w) => !STOP.has(w))
    if (!q) return []
    const hits: ToolHit[] = []
    for (const d of docs) {
      let score = d.name === q || d.name === words.join('_') ? 1000 : 0
      let matched = 0
      for (const w of words) {
        let s = 0
        if (d.nameTokens.has(w)) s = 10
        else if (w.length >= 3 && d.name.includes(w)) s = 5
        if (d.keywordTokens.has(w)) s = Math.max(s, 4)
        if (d.argTokens.has(w)) s = Math.max(s, 3)
        if (d.descTokens.has(w)) s = Math.max(s, 2) + (s > 2 ? 1 : 0)
        else if (s === 0 && w.length >= 4) for (const t of d.descTokens) if (t.startsWith(w)) { s = 1; break }
        if (s > 0) matched++
        score += s
      }
      if (score === 0) continue
      if (words.length > 1 && matched === words.length) score += 5
      hits.push({ name: d.tool.name, description: d.tool.description, source: d.tool.source, score })
    }
    hits.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1))
    return hits.slice(0, limit)
  }
}

function index(tool: ToolInfo): Doc {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, unknown>
  return {
    tool,
    name: tool.name.toLowerCase(),
    nameTokens: new Set(tokens(tool.name)),
    argTokens: new Set(Object.keys(props).flatMap(tokens)),
    keywordTokens: new Set((tool.keywords ?? []).flatMap(tokens)),
    descTokens: new Set(tokens(`${tool.title ?? ''} ${tool.description}`)),
  }
}
