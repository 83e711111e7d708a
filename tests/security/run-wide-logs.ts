import { afterAll } from 'bun:test'

/**
 * Preloaded for the whole `bun test` run (bunfig.toml): collects every log line of every hub that
 * `startTestHub` starts, in every test file, and fails the run if any holds a Hearth token. The
 * per-surface check with known provider keys is tests/security/no-secrets.test.ts.
 */
const lines: string[] = []
;(globalThis as { __hearthRunLogs?: string[] }).__hearthRunLogs = lines

const TEST_ADMIN_TOKEN = 'hth_test_admin_token_0123456789abcdef'
const GENERATED_TOKEN = /hth_[A-Za-z0-9_-]{43}/

afterAll(() => {
  const leaks = lines.filter((l) => l.includes(TEST_ADMIN_TOKEN) || GENERATED_TOKEN.test(l))
  if (leaks.length > 0) throw new Error(`${leaks.length} log line(s) of this test run hold a token, e.g. ${leaks[0]!.replace(/hth_[A-Za-z0-9_-]+/g, 'hth_…').slice(0, 200)}`)
})
