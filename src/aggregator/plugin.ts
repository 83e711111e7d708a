import { Elysia, t } from 'elysia'
import { McpServerSchema } from '../core/config-schema'
import type { Aggregator } from './service'

const Spec = t.Partial(McpServerSchema)
const Name = t.Object({ name: t.String({ minLength: 1, maxLength: 128 }) })

/** `/api/v1/mcp/servers` (SPEC §7): the admin scope is enforced by the global auth guard. */
export const aggregatorPlugin = (agg: Aggregator) =>
  new Elysia({ name: 'aggregator' })
    .get('/api/v1/mcp/servers', () => ({ servers: agg.list() }))
    .get('/api/v1/mcp/servers/:name', ({ params }) => ({ ...agg.status(params.name), spec: agg.spec(params.name), tool_list: agg.tools(params.name) }), { params: Name })
    .post(
      '/api/v1/mcp/servers',
      ({ body, set }) => {
        const { name, ...spec } = body
        set.status = 201
        return agg.add(name, spec)
      },
      { body: t.Composite([t.Object({ name: t.String({ minLength: 1, maxLength: 64 }) }), Spec]) },
    )
    .put('/api/v1/mcp/servers/:name', ({ params, body }) => agg.update(params.name, body), { params: Name, body: Spec })
    .delete(
      '/api/v1/mcp/servers/:name',
      async ({ params, set }) => {
        await agg.remove(params.name)
        set.status = 204
      },
      { params: Name },
    )
    .post('/api/v1/mcp/servers/:name/enable', ({ params }) => agg.setEnabled(params.name, true), { params: Name })
    .post('/api/v1/mcp/servers/:name/disable', ({ params }) => agg.setEnabled(params.name, false), { params: Name })
    .post('/api/v1/mcp/servers/:name/tools/:tool/enable', ({ params }) => agg.setToolEnabled(params.name, params.tool, true), {
      params: t.Object({ name: t.String(), tool: t.String() }),
    })
    .post('/api/v1/mcp/servers/:name/tools/:tool/disable', ({ params }) => agg.setToolEnabled(params.name, params.tool, false), {
      params: t.Object({ name: t.String(), tool: t.String() }),
    })
