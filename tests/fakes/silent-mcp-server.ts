/**
 * An MCP "server" that answers initialize and tools/list like a real one and then never answers
 * a tools/call: the aggregator must time out and say which server did not answer. With
 * `--mute` it does not even answer initialize (a server that hangs at start). Every
 * notifications/cancelled it receives is appended to the file named by `CANCEL_LOG`, so a test
 * can see that a cancel or a timeout really reached the server. With `--linger` it keeps running
 * after its stdin closes, as some servers do (only a signal ends it).
 */
import { appendFileSync } from 'node:fs'

const mute = Bun.argv.includes('--mute')
const linger = Bun.argv.includes('--linger')
const reply = (id: unknown, result: unknown) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n')

let buffered = ''
for await (const chunk of Bun.stdin.stream()) {
  buffered += new TextDecoder().decode(chunk)
  let nl: number
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl)
    buffered = buffered.slice(nl + 1)
    let msg: { id?: unknown; method?: string; params?: { protocolVersion?: string; requestId?: unknown; reason?: string } }
    try {
      msg = JSON.parse(line)
    } catch {
      continue
    }
    if (msg.method === 'notifications/cancelled' && process.env.CANCEL_LOG) {
      appendFileSync(process.env.CANCEL_LOG, JSON.stringify({ requestId: msg.params?.requestId, reason: msg.params?.reason }) + '\n')
    }
    if (mute) continue
    if (msg.method === 'initialize') {
      reply(msg.id, { protocolVersion: msg.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'silent', version: '1.0.0' } })
    } else if (msg.method === 'tools/list') {
      reply(msg.id, {
        tools: [
          { name: 'wait', description: 'Never answers', inputSchema: { type: 'object' } },
          { name: 'bad tool', description: 'name with a space: exposed sanitised', inputSchema: { type: 'object' } },
          { name: 'no_schema', description: 'skipped: inputSchema is not an object schema', inputSchema: { type: 'string' } },
        ],
      })
    } else if (msg.method === 'ping') {
      reply(msg.id, {})
    }
    // tools/call and everything else: silence.
  }
}
if (linger) setInterval(() => {}, 60_000)
