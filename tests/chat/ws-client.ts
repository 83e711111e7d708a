/** A real WebSocket client for chat tests: collects every frame and waits for the ones asked for. */
export type Frame = Record<string, any>

export class WsClient {
  readonly frames: Frame[] = []
  closed: { code: number; reason: string } | null = null
  private waiters: (() => void)[] = []

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      this.frames.push(JSON.parse(String(e.data)))
      this.wake()
    }
    ws.onclose = (e) => {
      this.closed = { code: e.code, reason: e.reason }
      this.wake()
    }
  }

  static async open(url: string, token?: string | null, opts: { headers?: Record<string, string> } = {}): Promise<WsClient> {
    const u = new URL('/ws/chat', url.replace(/^http/, 'ws'))
    if (token) u.searchParams.set('token', token)
    const ws = new WebSocket(u.toString(), { headers: opts.headers } as unknown as string[])
    const c = new WsClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error('websocket failed to open'))
    })
    return c
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Waits for the first frame (from index `from`) matching `pred`. */
  async next(pred: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.frames.slice(from).find(pred)
      if (found) return found
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting; frames: ${JSON.stringify(this.frames).slice(0, 500)}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for a frame; got: ${JSON.stringify(this.frames).slice(0, 800)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Sends a request and waits for its terminal frame (complete, error or a one-shot reply). */
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    const from = this.frames.length
    this.send(frame)
    return this.next((f) => f.request_id === frame.request_id && f.status !== 'started' && f.status !== 'chunk' && f.status !== 'tool_execution', timeoutMs, from)
  }

  /** All frames of one request, in order. */
  of(requestId: string): Frame[] {
    return this.frames.filter((f) => f.request_id === requestId)
  }

  text(requestId: string): string {
    return this.of(requestId)
      .filter((f) => f.status === 'chunk' && f.chunk.type === 'text')
      .map((f) => f.chunk.data)
      .join('')
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && Date.now() < deadline) await Bun.sleep(10)
    if (!this.closed) throw new Error('socket did not close')
    return this.closed
  }

  close(): void {
    if (this.ws.readyState <= 1) this.ws.close()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
