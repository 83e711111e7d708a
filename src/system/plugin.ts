import { Elysia, t } from 'elysia'
import type { ConfigService } from '../core/config'
import { BadRequest } from '../core/errors'
import type { HealthRegistry } from '../core/health'
import type { StatsRegistry } from '../core/stats'
import { VERSION } from '../core/version'

export type SystemDeps = { config: ConfigService; health: HealthRegistry; stats: StatsRegistry; startedAt: number }

/** Health, info, stats and the effective configuration (SPEC §7, §2). */
export const systemPlugin = ({ config, health, stats, startedAt }: SystemDeps) =>
  new Elysia({ name: 'system' })
    .get('/api/v1/health', async ({ set }) => {
      const report = await health.report()
      if (report.status === 'down') set.status = 503
      return { status: report.status, version: VERSION, uptime_s: Math.round((Date.now() - startedAt) / 1000), ...report.checks }
    })
    .get('/api/v1/info', () => ({
      name: 'hearth',
      version: VERSION,
      runtime: `bun ${Bun.version}`,
      platform: `${process.platform}-${process.arch}`,
      // The compiled binary has NODE_ENV baked in by `bun build --production`; a checkout has not.
      mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      started_at: new Date(startedAt).toISOString(),
      config_path: config.path ?? null,
    }))
    .get('/api/v1/stats', () => {
      const mem = process.memoryUsage()
      return {
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        memory: { rss: mem.rss, heap_used: mem.heapUsed },
        ...stats.snapshot(),
      }
    })
    .get('/api/v1/config', () => ({ config: config.entries(), overrides: config.overrideKeys() }))
    .patch(
      '/api/v1/config',
      ({ body }) => {
        if (body.set !== undefined && !isPlainObject(body.set)) throw new BadRequest('set: expected an object of dotted keys to values')
        const values = body.unset ? Object.fromEntries(body.unset.map((k) => [k, null])) : {}
        return { changes: config.setMany({ ...values, ...body.set }) }
      },
      {
        // `set` is checked by hand: Elysia 1.4 coerces a string or array given for a t.Record into
        // an object ("x" became {"0":"x"}) and lets it through.
        body: t.Object({
          set: t.Optional(t.Unknown()),
          unset: t.Optional(t.Array(t.String())),
        }),
      },
    )
    .post('/api/v1/config/reset', () => ({ changes: config.reset() }))

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
