/** An SSE frame whose data is one piece of markup (newlines folded: a `data:` line must not break). */
export const sseFrame = (markup: string): string => `data: ${markup.replace(/[\r\n]+/g, ' ')}\n\n`

/**
 * A `text/event-stream` response. `open` gets a `send` and returns its cleanup, which runs when
 * the client goes away; a comment every 15 s keeps proxies from closing an idle stream.
 */
export function sseResponse(request: Request, open: (send: (frame: string) => void) => () => void): Response {
  const encoder = new TextEncoder()
  let cleanup = () => {}
  let keepAlive: ReturnType<typeof setInterval> | undefined
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    clearInterval(keepAlive)
    cleanup()
  }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (s: string) => {
        if (closed) return
        try {
          controller.enqueue(encoder.encode(s))
        } catch {
          close()
        }
      }
      cleanup = open(send)
      // A first byte now: the response (and its headers) starts at once, not at the first event.
      send(': open\n\n')
      keepAlive = setInterval(() => send(': keep-alive\n\n'), 15_000)
      request.signal.addEventListener('abort', () => {
        close()
        try {
          controller.close()
        } catch {
          // Already closed by a failed enqueue: nothing left to end.
        }
      })
    },
    cancel: close,
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
}

/** Whether the client asked for an event stream (htmx's SSE extension does). */
export const wantsEventStream = (request: Request): boolean => /text\/event-stream/.test(request.headers.get('accept') ?? '')
