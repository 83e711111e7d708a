import { principalOf } from '../auth/types'
import type { Safe } from './html'
import { htmlResponse, layout } from './layout'

export type PageOptions = { title: string; current: string; body: Safe; scripts?: string[]; status?: number }

/** True for requests htmx made (they want a fragment, not a whole document). */
export const isHtmx = (request: Request): boolean =>
  request.headers.get('hx-request') === 'true' && request.headers.get('hx-history-restore-request') !== 'true'

/**
 * A panel page: the whole document on a normal GET, only the `<main>` content for htmx, so the
 * same URL serves a link, a bookmark and an in-page refresh.
 */
export function page(ctx: { request: Request }, o: PageOptions): Response {
  if (isHtmx(ctx.request)) return fragment(o.body, o.status)
  const p = principalOf(ctx)
  return htmlResponse(layout({ title: o.title, current: o.current, body: o.body, csrf: p.session?.csrf, scripts: o.scripts }), o.status)
}

export const fragment = (body: Safe, status = 200, headers: Record<string, string> = {}): Response => htmlResponse(body.value, status, headers)
