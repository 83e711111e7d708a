import { deserializeMessage, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client'
import type { Subprocess } from 'bun'
import type { Logger } from '../core/log'
import { killTree } from './process-tree'

export type StdioLaunch = {
  argv: string[]
  env: Record<string, string>
  cwd?: string
  killGraceMs: number
  /** Process groups alive right now; the owner kills them all if the hub exits abruptly. */
  groups: Set<number>
  log: Logger
}

/**
 * The SDK's stdio transport spawns a plain child; a server started through npx is a tree
 * (npx → sh → node), and killing the child alone leaves the rest running. This one starts the
 * child in its own process group and ends the whole tree on close.
 */
export class ProcessGroupTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  private proc?: Subprocess<'pipe', 'pipe', 'pipe'>
  private closed = false
  private closeRequested = false
  private stderrTail: string[] = []
  exitCode: number | null = null

  constructor(private opts: StdioLaunch) {}

  get pid(): number | undefined {
    return this.proc?.pid
  }

  /** The last lines the server wrote to stderr: what an error message should quote. */
  get stderr(): string {
    return this.stderrTail.join('\n')
  }

  async start(): Promise<void> {
    // Closed before it ever started (a server switched off while connecting): never spawn.
    if (this.closeRequested) throw new Error('closed before start')
    const { argv, env, cwd } = this.opts
    this.proc = Bun.spawn(argv, { env, cwd, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', detached: true })
    this.opts.groups.add(this.proc.pid)
    void this.pump(this.proc.stdout, (line) => this.onLine(line))
    void this.pump(this.proc.stderr, (line) => {
      this.stderrTail.push(line.length > 500 ? line.slice(0, 500) + '…' : line)
      if (this.stderrTail.length > 10) this.stderrTail.shift()
      this.opts.log.debug(() => `stderr: ${line}`)
    })
    void this.proc.exited.then((code) => {
      this.exitCode = code
      this.finish()
    })
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || !this.proc) throw new Error('the server process is not running')
    this.proc.stdin.write(serializeMessage(message))
    this.proc.stdin.flush()
  }

  async close(): Promise<void> {
    this.closeRequested = true
    const proc = this.proc
    if (!proc) return
    try {
      proc.stdin.end()
    } catch {
      // stdin already closed by a dead child; the kill below is what matters.
    }
    const survivors = await killTree(proc.pid, this.opts.killGraceMs)
    if (survivors.length) this.opts.log.error('processes of the server survived SIGKILL', { pids: survivors })
    await Promise.race([proc.exited, Bun.sleep(1000)])
    this.opts.groups.delete(proc.pid)
    this.finish()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    this.onclose?.()
  }

  private onLine(line: string): void {
    if (!line.trim()) return
    let message: JSONRPCMessage
    try {
      message = deserializeMessage(line)
    } catch {
      // Servers that print banners on stdout break the protocol only for that line.
      this.opts.log.debug(() => `ignored non-JSON-RPC stdout line: ${line.slice(0, 200)}`)
      return
    }
    this.onmessage?.(message)
  }

  private async pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of stream) {
        buffered += decoder.decode(chunk, { stream: true })
        let nl: number
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).replace(/\r$/, '')
          buffered = buffered.slice(nl + 1)
          onLine(line)
        }
      }
    } catch (err) {
      if (!this.closed) this.onerror?.(err instanceof Error ? err : new Error(String(err)))
    }
    if (buffered) onLine(buffered)
  }
}
