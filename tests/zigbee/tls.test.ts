import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ADMIN_TOKEN } from '../helpers/hub'
import { startMosquitto } from '../helpers/mosquitto'
import { standardHome, Z2mSimulator } from '../fakes/z2m-simulator'
import { until } from './home'

const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch(() => {})
})

// The hub trusts the broker's CA the usual way for a Bun/Node program (NODE_EXTRA_CA_CERTS), which
// is read at process start: so this runs `hearth serve` as a child process.
test('an mqtts:// broker with its own CA: hearth serve connects over TLS and learns the home (issue #6)', async () => {
  const broker = await startMosquitto({ tls: true })
  cleanups.push(() => broker.close())
  const sim = new Z2mSimulator(broker.url, standardHome(), 'zigbee2mqtt', { ca: readFileSync(broker.caFile!, 'utf8') })
  await sim.start()
  cleanups.push(() => sim.stop())

  const dir = mkdtempSync(join(tmpdir(), 'hearth-tls-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'hearth.yaml'), `home:\n  mqtt_url: ${broker.url}\n`)
  const child = Bun.spawn(['bun', 'run', resolve(import.meta.dir, '../../src/main.ts'), 'serve', '--config', join(dir, 'hearth.yaml'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, HEARTH_ADMIN_TOKEN: ADMIN_TOKEN, NODE_EXTRA_CA_CERTS: broker.caFile!, HEARTH_LOG_LEVEL: 'warn' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  cleanups.push(async () => {
    child.kill('SIGTERM')
    await child.exited
  })
  const reader = child.stdout.getReader()
  let out = ''
  const url = await until(async () => {
    const { value, done } = await reader.read()
    if (done) throw new Error(`hearth exited: ${out}`)
    out += new TextDecoder().decode(value)
    return /listening on (http:\/\/[^\s]+)/.exec(out)?.[1]
  }, 'hearth listening', 10_000)
  reader.releaseLock()
  const health = await until(async () => {
    const body = (await (await fetch(`${url}/api/v1/health`)).json()) as { home: Record<string, unknown> }
    return body.home.status === 'ok' && body.home.devices === 8 ? body.home : null
  }, 'home healthy over TLS', 10_000)
  expect(health).toEqual({ status: 'ok', broker: 'connected', bridge: 'online', devices: 8 })
  const devices = (await (await fetch(`${url}/api/v1/devices`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { devices: { name: string }[] }
  expect(devices.devices.map((d) => d.name)).toContain('living_room_ceiling')
}, 30_000)
