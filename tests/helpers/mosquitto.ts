import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BINARY = '/usr/sbin/mosquitto'

export type Mosquitto = {
  port: number
  url: string
  /** With `tls`: the CA that signed the broker's certificate (for 127.0.0.1). */
  caFile?: string
  /** Stops the broker (SIGTERM) and waits until it is gone. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** Stops it for good and removes its temp dir (afterAll). */
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port })
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('error', () => resolve(false))
  })
}

/** A throwaway CA and a server certificate for 127.0.0.1, made with openssl. */
function makeCertificates(dir: string): void {
  const run = (args: string[]) => {
    const p = Bun.spawnSync(['openssl', ...args], { cwd: dir, stderr: 'pipe' })
    if (p.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${p.stderr.toString()}`)
  }
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hearth-test-ca'])
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'])
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf'])
  for (const f of ['server.key', 'server.pem', 'ca.pem']) chmodSync(join(dir, f), 0o644)
}

/**
 * A real Debian mosquitto on a free loopback port, no persistence; anonymous unless `users` are
 * given (then only they may connect). `set_tcp_nodelay` keeps Nagle from holding small packets.
 */
export async function startMosquitto(opts: { users?: Record<string, string>; tls?: boolean } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-'))
  // Started as root, mosquitto drops to its own user: it must be able to read what is in here.
  chmodSync(dir, 0o755)
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  const auth = ['allow_anonymous true']
  let caFile: string | undefined
  if (opts.tls) {
    caFile = join(dir, 'ca.pem')
    makeCertificates(dir)
    auth.push(`certfile ${join(dir, 'server.pem')}`, `keyfile ${join(dir, 'server.key')}`)
  }
  if (opts.users) {
    const file = join(dir, 'passwd')
    writeFileSync(file, '')
    for (const [user, password] of Object.entries(opts.users)) {
      const p = Bun.spawnSync(['/usr/bin/mosquitto_passwd', '-b', file, user, password])
      if (p.exitCode !== 0) throw new Error(`mosquitto_passwd failed: ${p.stderr.toString()}`)
    }
    chmodSync(file, 0o644)
    auth.splice(0, 1, 'allow_anonymous false', `password_file ${file}`)
  }
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, ...auth, 'persistence false', 'set_tcp_nodelay true', 'log_dest none', ''].join('\n'))
  let proc: ReturnType<typeof Bun.spawn> | undefined

  const start = async () => {
    if (proc) return
    proc = Bun.spawn([BINARY, '-c', conf], { stdout: 'ignore', stderr: 'pipe' })
    for (let i = 0; i < 100; i++) {
      if (await accepts(port)) return
      if (proc.exitCode !== null) break
      await Bun.sleep(20)
    }
    const err = proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : ''
    proc.kill()
    await proc.exited
    proc = undefined
    throw new Error(`mosquitto did not start on ${port}: ${err}`)
  }
  const stop = async () => {
    const p = proc
    proc = undefined
    if (!p) return
    p.kill('SIGTERM')
    await p.exited
  }
  try {
    await start()
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    caFile,
    start,
    stop,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
