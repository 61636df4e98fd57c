// The HTML report as a person sees it: rendered by Debian's headless Chromium, read back from
// the page (visible text, box sizes, what a click unfolds), with a screenshot kept in
// test-results/.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'puppeteer-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { BuildEvent, TimedEvent } from '../../src/report/events.ts'
import { renderHtmlReport } from '../../src/report/html-report.ts'
import { CHROMIUM, screenshotPath, withBrowser } from '../helpers/browser.ts'

const MiB = 1024 * 1024
const work = mkdtempSync(join(tmpdir(), 'iw-report-browser-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A build as its events tell it: core steps, a phase with scripts, the image's contents. */
function buildEvents(): TimedEvent[] {
  const events: TimedEvent[] = []
  let clock = 1_700_000_000_000
  const at = (ms: number, event: BuildEvent): void => {
    clock += ms
    events.push({ time: clock, event })
  }
  const step = (name: string, ms: number, inner?: () => void): void => {
    at(0, { kind: 'step-start', step: name })
    inner?.()
    at(ms, { kind: 'step-end', step: name, durationMs: ms, ok: true })
  }
  step('resolve elements', 200)
  step('phase root.d', 30_000, () =>
    at(29_000, {
      kind: 'script-end',
      phase: 'root.d',
      script: '10-debian-cache',
      element: 'debian-minimal',
      durationMs: 29_000,
      exitCode: 0,
    }),
  )
  at(0, {
    kind: 'cache-hit',
    cache: 'phase',
    key: 'sha256:4f1d0c',
    what: 'root.d of debian-minimal',
    savedMs: 95_000,
  })
  step('create the disk', 3_000, () => {
    step('create disk image0', 300)
    step('partition image0', 600)
    step('mkfs root (ext4)', 1_500)
    step('mount /', 100)
  })
  at(0, {
    kind: 'disk-layout',
    disk: {
      bytes: 3 * 1024 * MiB,
      sectorSize: 512,
      table: 'gpt',
      partitions: [
        {
          name: 'BSP',
          startBytes: MiB,
          bytes: 8 * MiB,
          type: 'EF02',
          fstype: undefined as never,
          label: undefined as never,
          mountPoint: undefined as never,
        },
        {
          name: 'ESP',
          startBytes: 9 * MiB,
          bytes: 550 * MiB,
          type: 'EF00',
          fstype: 'vfat',
          label: 'MKFS_ESP',
          mountPoint: '/boot/efi',
        },
        {
          name: 'root',
          startBytes: 559 * MiB,
          bytes: 2500 * MiB,
          type: '8300',
          fstype: 'ext4',
          label: 'cloudimg-rootfs',
          mountPoint: '/',
        },
      ].map(
        (p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as never,
      ),
    },
  })
  step('copy the tree', 12_000)
  step('phase finalise.d', 20_000, () =>
    at(19_000, {
      kind: 'script-end',
      phase: 'finalise.d',
      script: '50-bootloader',
      element: 'bootloader',
      durationMs: 19_000,
      exitCode: 0,
    }),
  )
  const packages = Array.from({ length: 40 }, (_, i) => ({
    name: i === 0 ? 'libc6' : `pkg-${String(i).padStart(2, '0')}`,
    version: `1.${i}-1`,
    arch: 'amd64',
    source: i === 0 ? 'glibc' : `pkg-${i}`,
    sourceVersion: `1.${i}-1`,
    license: 'GPL-2.0-or-later',
    installedBytes: (40 - i) * MiB,
  }))
  step('inventory the image', 800, () => {
    at(0, { kind: 'packages', packages })
    at(0, {
      kind: 'space-usage',
      totalBytes: 900 * MiB,
      directories: [
        { name: '/usr', bytes: 700 * MiB },
        { name: '/usr/lib', bytes: 400 * MiB },
        { name: '/var', bytes: 90 * MiB },
      ],
      packages: packages.slice(0, 5).map((p) => ({ name: p.name, bytes: p.installedBytes })),
    })
  })
  step('convert the image', 15_000)
  at(0, { kind: 'artifact', path: '/out/debian.qcow2', format: 'qcow2', bytes: 400 * MiB })
  step('boot test', 40_000, () => {
    for (const line of [
      'SeaBIOS (version 1.16)',
      'Booting from Hard Disk...',
      'Debian GNU/Linux 13 debian ttyS0',
      '',
      'debian login: ',
    ]) {
      at(10, { kind: 'output', label: 'console', stream: 'stdout', line })
    }
  })
  at(10, { kind: 'build-end', ok: true, durationMs: clock - events[0]!.time + 10 })
  return events
}

async function visibleText(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText)
}

async function box(
  page: Page,
  selector: string,
): Promise<{ x: number; width: number; height: number }> {
  const handle = await page.$(selector)
  const rect = await handle?.boundingBox()
  if (!rect) throw new Error(`${selector} is not visible`)
  return rect
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in a browser', () => {
  it('shows every step, the disk, the packages, the space, the console and the cache hits', async () => {
    const file = join(work, 'report.html')
    writeFileSync(file, renderHtmlReport(buildEvents()))
    await withBrowser(async (browser) => {
      const page = await browser.newPage()
      await page.setViewport({ width: 1280, height: 900 })
      await page.goto(`file://${file}`)
      expect(await page.title()).toBe('imagewright build report: succeeded')
      expect(await visibleText(page, 'header')).toContain('Build succeeded')

      // the timeline: core steps as well as phases, each bar placed after the one before
      const timeline = await visibleText(page, '.timeline')
      for (const name of [
        'create the disk',
        'mkfs root (ext4)',
        'partition image0',
        'copy the tree',
        'finalise.d/50-bootloader',
        'convert the image',
        'boot test',
      ]) {
        expect(timeline).toContain(name)
      }
      const bars = await page.$$eval('.row .bar', (els) =>
        els.map((el) => {
          const r = el.getBoundingClientRect()
          return { x: r.x, width: r.width }
        }),
      )
      expect(bars.length).toBeGreaterThan(12)
      for (const bar of bars) expect(bar.width).toBeGreaterThanOrEqual(2)
      const copy = await box(page, '.row:nth-child(10) .bar')
      expect(copy.x).toBeGreaterThan((await box(page, '.row:nth-child(3) .bar')).x)

      // the disk: one box per partition, sized by its share, and readable
      expect(await visibleText(page, '.disk')).toMatch(
        /BSP[\s\S]*ESP[\s\S]*vfat[\s\S]*\/boot\/efi[\s\S]*root[\s\S]*ext4[\s\S]*\//,
      )
      const [bsp, esp, root] = await Promise.all(
        [1, 2, 3].map((n) => box(page, `.disk .part:nth-child(${n})`)),
      )
      expect(root!.width).toBeGreaterThan(esp!.width * 2)
      expect(bsp!.width).toBeGreaterThan(30)
      expect(await visibleText(page, 'table.partitions')).toContain('cloudimg-rootfs')

      // the space, and the packages folded until asked for
      expect(await visibleText(page, '.spaces')).toMatch(
        /Largest directories[\s\S]*\/usr\s+700 MiB[\s\S]*Largest packages[\s\S]*libc6\s+40 MiB/,
      )
      expect(await visibleText(page, 'details.packages')).toBe(
        '40 packages, 820 MiB installed: show the list',
      )
      await page.click('details.packages > summary')
      expect(await visibleText(page, 'details.packages')).toMatch(
        /libc6\s+1\.0-1\s+amd64\s+glibc 1\.0-1\s+GPL-2\.0-or-later/,
      )

      // the boot console, folded too
      expect(await visibleText(page, 'details.console')).toBe('Serial console log (5 lines)')
      await page.click('details.console > summary')
      expect(await visibleText(page, 'details.console pre')).toContain('debian login:')

      expect(await visibleText(page, 'main')).toContain('Cache hits (1)')
      expect(await visibleText(page, 'main')).toContain('About 1 min 35 s saved.')

      const shot = screenshotPath('html-report.png')
      await page.screenshot({ path: shot, fullPage: true })
      expect(statSync(shot).size).toBeGreaterThan(20_000)
    })
  })
})
