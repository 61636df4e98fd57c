// Debian's Chromium, headless, driven by puppeteer-core: for tests that look at a page the way
// a person does. No browser is ever downloaded; every launch has its own profile and is closed
// (killed if it will not close), whatever the test does.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser } from 'puppeteer-core'
import { REPO } from './cli.ts'

export const CHROMIUM = process.env['IMAGEWRIGHT_CHROMIUM'] ?? '/usr/bin/chromium'
/** Screenshots are kept here for people to look at (gitignored). */
export const TEST_RESULTS = join(REPO, 'test-results')

export async function withBrowser<T>(use: (browser: Browser) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'iw-chromium-'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  })
  try {
    return await use(browser)
  } finally {
    await browser.close().catch(() => browser.process()?.kill('SIGKILL'))
    rmSync(profile, { recursive: true, force: true })
  }
}

export function screenshotPath(name: `${string}.png`): `${string}.png` {
  mkdirSync(TEST_RESULTS, { recursive: true })
  return join(TEST_RESULTS, name) as `${string}.png`
}
