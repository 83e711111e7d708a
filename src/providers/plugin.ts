import { Elysia } from 'elysia'
import { AddProviderBody, UpdateProviderBody, UseProviderBody } from './schema'
import type { ProviderService } from './service'

/** `/api/v1/providers` (SPEC §7): list, add, change, remove, switch, test. Keys are never echoed. */
export const providersPlugin = (svc: ProviderService) =>
  new Elysia({ name: 'providers' })
    .get('/api/v1/providers', () => ({ active: svc.active(), fallback: svc.chain().slice(1), providers: svc.list() }))
    .post(
      '/api/v1/providers',
      ({ body, set }) => {
        const { name, ...cfg } = body
        set.status = 201
        return svc.add(name, cfg)
      },
      { body: AddProviderBody },
    )
    .put('/api/v1/providers/:name', ({ params, body }) => svc.update(params.name, body), { body: UpdateProviderBody })
    .delete('/api/v1/providers/:name', ({ params, set }) => {
      svc.remove(params.name)
      set.status = 204
    })
    .post(
      '/api/v1/providers/:name/use',
      ({ params, body }) => {
        svc.use(params.name, body?.model)
        return { active: svc.active() }
      },
      { body: UseProviderBody },
    )
    .post('/api/v1/providers/:name/test', ({ params, request }) => svc.test(params.name, AbortSignal.any([request.signal, AbortSignal.timeout(30_000)])))
