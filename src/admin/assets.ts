import { Elysia } from 'elysia'
import adminJs from '../../public/admin.js' with { type: 'file' }
import appCss from '../../public/app.css' with { type: 'file' }
import chatJs from '../../public/chat.js' with { type: 'file' }
import liveLogJs from '../../public/live-log.js' with { type: 'file' }
import hxSseJs from '../../node_modules/htmx.org/dist/ext/hx-sse.min.js' with { type: 'file' }
import htmxJs from '../../node_modules/htmx.org/dist/htmx.min.js' with { type: 'file' }

/**
 * Static assets, embedded by the bundler: the imports above resolve to real files in a checkout and
 * to `/$bunfs/...` inside the compiled binary, so nothing is read from the working directory.
 */
const ASSETS: Record<string, { path: string; type: string }> = {
  'admin.js': { path: adminJs, type: 'text/javascript; charset=utf-8' },
  'app.css': { path: appCss, type: 'text/css; charset=utf-8' },
  'htmx.min.js': { path: htmxJs, type: 'text/javascript; charset=utf-8' },
  'chat.js': { path: chatJs, type: 'text/javascript; charset=utf-8' },
  'live-log.js': { path: liveLogJs, type: 'text/javascript; charset=utf-8' },
  'hx-sse.js': { path: hxSseJs, type: 'text/javascript; charset=utf-8' },
}

export function registerAsset(name: string, path: string, type: string): void {
  ASSETS[name] = { path, type }
}

export const assetsPlugin = () =>
  new Elysia({ name: 'assets' }).get('/assets/:name', ({ params, set }) => {
    const asset = ASSETS[params.name]
    if (!asset) {
      set.status = 404
      return 'not found'
    }
    return new Response(Bun.file(asset.path), {
      headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
    })
  })
