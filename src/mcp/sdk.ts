/**
 * Everything `/mcp` needs from the two MCP server SDKs, in one module that McpService imports
 * dynamically on the first `/mcp` request. The compiled binary (`--splitting`) keeps it in its own
 * chunk: a hub nobody talks MCP to never loads the SDKs (≈11 MB of idle RSS, ≈30 ms of start-up).
 */
export { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
export { isLegacyRequest } from '@modelcontextprotocol/server'
export { legacyServer } from './server-legacy'
export { modernHandler } from './server-modern'
