/**
 * A stdio MCP server exposing N simple tools, for the aggregator's scale bench and its collision
 * and list_changed tests. Built on the v1 SDK's McpServer, or with `--v2` on the v2 SDK's
 * (`@modelcontextprotocol/server`, the 2026-07-28 line).
 *
 *   bun tests/fakes/many-tools-server.ts [--tools N] [--prefix p] [--names a,b,c] [--v2]
 *
 * Tools echo their `text` argument. `add_tool` registers one more tool at run time, which makes
 * the SDK send notifications/tools/list_changed.
 */
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport as V1Stdio } from '@modelcontextprotocol/sdk/server/stdio.js'
import { McpServer as V2Server } from '@modelcontextprotocol/server'
import { StdioServerTransport as V2Stdio } from '@modelcontextprotocol/server/stdio'
import { parseArgs } from 'node:util'
import { z } from 'zod'

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    tools: { type: 'string', default: '50' },
    prefix: { type: 'string', default: 'tool' },
    names: { type: 'string' },
    v2: { type: 'boolean', default: false },
  },
})
const names = values.names ? values.names.split(',') : Array.from({ length: Number(values.tools) }, (_, i) => `${values.prefix}_${String(i).padStart(3, '0')}`)
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

if (values.v2) {
  const server = new V2Server({ name: 'many-tools-v2', version: '1.0.0' })
  const echo = (name: string) =>
    server.registerTool(name, { description: `Echoes text (${name})`, inputSchema: z.object({ text: z.string().optional() }) }, async ({ text: t }) => text(`${name}:${t ?? ''}`))
  for (const name of names) echo(name)
  server.registerTool('add_tool', { description: 'Registers one more tool', inputSchema: z.object({ name: z.string() }) }, async ({ name }) => {
    echo(name)
    return text(`added ${name}`)
  })
  await server.connect(new V2Stdio())
} else {
  const server = new V1Server({ name: 'many-tools', version: '1.0.0' })
  const echo = (name: string) =>
    server.registerTool(name, { description: `Echoes text (${name})`, inputSchema: { text: z.string().optional() } }, async ({ text: t }) => text(`${name}:${t ?? ''}`))
  for (const name of names) echo(name)
  server.registerTool('add_tool', { description: 'Registers one more tool', inputSchema: { name: z.string() } }, async ({ name }) => {
    echo(name)
    return text(`added ${name}`)
  })
  await server.connect(new V1Stdio())
}
