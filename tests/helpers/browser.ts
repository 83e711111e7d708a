import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export type TestBrowser = {
  context: BrowserContext
  page: Page
  /** Console errors and failed requests seen so far (CSP violations show up here). */
  problems: string[]
  close(): Promise<void>
}

/**
 * Debian's chromium driven by playwright-core: headless, sandbox-free (containers), no network
 * chatter of its own, and a throw-away profile. Never lets playwright download a browser.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'))
  // playwright passes the temp profile as --user-data-dir itself.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  return {
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Logs into the admin panel through its form, as a person would. */
export async function loginThroughForm(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`)
  await page.waitForURL(/\/admin\/login$/)
  await page.fill('input[name=token]', token)
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button[type=submit]')])
}
