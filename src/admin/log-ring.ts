/**
 * The last N log lines in memory, for the panel's live tail. Lines arrive already masked by the
 * logger (secrets never reach a sink), so they can be shown as they are.
 */
export class LogRing {
  private lines: string[] = []
  private listeners = new Set<(line: string) => void>()

  constructor(readonly capacity = 500) {}

  push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity)
    for (const fn of this.listeners) fn(line)
  }

  recent(n = this.capacity): string[] {
    return this.lines.slice(-n)
  }

  /** Hears every new line until the returned function is called. */
  subscribe(fn: (line: string) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
}
