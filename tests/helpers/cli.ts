import { resolve } from 'node:path'
import type { Subprocess } from 'bun'

/** `bun run src/main.ts`: the program as a checkout runs it. A compiled binary is `[path]`. */
export const HEARTH_DEV = [process.execPath, 'run', resolve(import.meta.dir, '../../src/main.ts')]

/** A clean environment: nothing HEARTH_* leaks in from the shell that runs the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name]!
  return { ...env, ...extra }
}

export type CliResult = { code: number; stdout: string; stderr: string }

/** Runs one CLI invocation to completion (bounded by `timeoutMs`). */
export async function runCli(
  args: string[],
  opts: { cmd?: string[]; cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<CliResult> {
  const proc = Bun.spawn([...(opts.cmd ?? HEARTH_DEV), ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: opts.timeoutMs ?? 15_000,
  })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, stdout, stderr }
}

export type RunningServer = {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  url: string
  /** stdout lines so far (the URL line, a generated admin token). */
  stdout: string[]
  /** stderr so far (JSON log lines). */
  stderr(): string
  /** SIGTERM, then the exit code and how long the exit took. */
  terminate(): Promise<{ code: number; ms: number }>
}

/** Starts `serve` and waits for its "listening on URL" line; kills it if that does not come. */
export async function startServer(
  args: string[],
  opts: { cmd?: string[]; cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunningServer> {
  const proc = Bun.spawn([...(opts.cmd ?? HEARTH_DEV), ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let err = ''
  void (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk)
  })()
  const stdout: string[] = []
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  let url: string | undefined
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 10_000)
  try {
    while (!url && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      buffered += decoder.decode(value, { stream: true })
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        stdout.push(line)
        url ??= /listening on (http:\/\/\S+)/.exec(line)?.[1]
      }
    }
  } finally {
    clearTimeout(timer)
  }
  if (!url) {
    proc.kill('SIGKILL')
    await proc.exited
    throw new Error(`server did not start (exit ${proc.exitCode}): ${err.trim().split('\n').slice(-3).join(' | ')}`)
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      stdout.push(...decoder.decode(value).split('\n').filter(Boolean))
    }
  })()
  return {
    proc,
    url,
    stdout,
    stderr: () => err,
    async terminate() {
      const t0 = performance.now()
      proc.kill('SIGTERM')
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000)
      const code = await proc.exited
      clearTimeout(killer)
      return { code, ms: performance.now() - t0 }
    },
  }
}

/** A port that was free a moment ago (for tests that must name a port rather than use 0). */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = server.port!
  server.stop(true)
  return port
}
