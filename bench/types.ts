/** One measured figure. `ok` compares `value` with `budget` in the direction the budget states. */
export type BenchRow = {
  measure: string
  value: number
  unit: string
  /** e.g. "<= 80" or ">= 5000"; omitted for figures without a SPEC §11 budget. */
  budget?: string
  note?: string
}

/** A bench module: `export default { name, run }`, listed once in bench/run.ts. */
export type Bench = { name: string; run(): Promise<BenchRow[]> }

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export function meets(row: BenchRow): boolean | undefined {
  const m = row.budget && /^(<=|>=)\s*([\d.]+)$/.exec(row.budget)
  if (!m) return undefined
  return m[1] === '<=' ? row.value <= Number(m[2]) : row.value >= Number(m[2])
}
