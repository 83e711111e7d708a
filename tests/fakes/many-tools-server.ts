/**
 * A stdio MCP server (the v1 SDK's McpServer) exposing N simple tools, for the aggregator's
 * scale bench and its collision and list_changed tests.
 *
 *   bun tests/fakes/many-tools-server.ts [--tools N] [--prefix p] [--names a,b,c]
 *
 * Tools echo their `text` argument. `add_tool` registers one more tool at run time, which makes
 * the SDK send notifications/tools/list_changed.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { parseArgs } from 'node:util'
import { z } from 'zod'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { tools: { type: 'string', default: '50' }, prefix: { type: 'string', default: 'tool' }, names: { type: 'string' } },
})
const names = values.names ? values.names.split(',') : Array.from({ length: Number(values.tools) }, (_, i) => `${values.prefix}_${String(i).padStart(3, '0')}`)

const server = new McpServer({ name: 'many-tools', version: '1.0.0' })
const echo = (name: string) =>
  server.registerTool(name, { description: `Echoes text (${name})`, inputSchema: { text: z.string().optional() } }, async ({ text }) => ({
    content: [{ type: 'text', text: `${name}:${text ?? ''}` }],
  }))
for (const name of names) echo(name)
server.registerTool('add_tool', { description: 'Registers one more tool', inputSchema: { name: z.string() } }, async ({ name }) => {
  echo(name)
  return { content: [{ type: 'text', text: `added ${name}` }] }
})
await server.connect(new StdioServerTransport())
