// One real Debian 13 build (the shared cached root, -t tar) run on a pseudo-terminal, as a
// person runs it: the live progress view draws in place, the log has no stray tool lines, the
// SPDX and CycloneDX SBOMs beside the image list every installed package and pass their
// schemas (CycloneDX's from its library, SPDX's checker in test/helpers), and the HTML report
// shows the build and the image in Chromium.
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import CDX from '@cyclonedx/cyclonedx-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEventLines } from '../../src/report/parse-event-lines.ts'
import {
  CHROMIUM,
  TEST_RESULTS as TEST_RESULTS_DIR,
  screenshotPath,
  withBrowser,
} from '../helpers/browser.ts'
import { DIB_BIN, TEST_CACHE, hostSnapshot, type HostSnapshot } from '../helpers/cli.ts'
import { spdxProblems } from '../helpers/spdx-2.3.ts'

let work: string
let before: HostSnapshot
let terminal: { code: number | null; text: string }

/** Run a command on a pseudo-terminal (util-linux script), returning all it drew. */
function onTerminal(
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; text: string }> {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', `stty rows 40 cols 120; exec ${quoted}`, '/dev/null'], {
      cwd,
      env: { ...process.env, TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, text }))
  })
}

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-report-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  mkdirSync(TEST_RESULTS_DIR, { recursive: true })
  terminal = await onTerminal(
    [
      process.execPath,
      DIB_BIN,
      '-t',
      'tar',
      '-o',
      'debian',
      '--json-log',
      'build.jsonl',
      '--html-report',
      'build.html',
      'debian-minimal',
    ],
    {
      DIB_IMAGE_CACHE: TEST_CACHE,
      DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
      DIB_RELEASE: 'trixie',
      TMPDIR: join(work, 'tmp'),
      SOURCE_DATE_EPOCH: '1700000000',
      // the copy into the mounted root (cp -a) is the long step whose live progress is drawn
      IMAGEWRIGHT_MKFS_POPULATE: '0',
    },
    work,
  )
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

const installedInTar = (): string[] => {
  const status = execFileSync('tar', ['-xOf', join(work, 'debian.tar'), './var/lib/dpkg/status'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  return status
    .split('\n\n')
    .filter((p) => /^Status: install ok installed$/m.test(p))
    .map((p) => /^Package: (.+)$/m.exec(p)?.[1] ?? '')
    .sort()
}

describe('a Debian build on a terminal', () => {
  it('draws live progress in place and leaves plain events in the JSON log, with no stray tool lines', () => {
    expect(terminal.code, terminal.text.slice(-3000)).toBe(0)
    writeFileSync(join(TEST_RESULTS_DIR, 'debian-terminal.txt'), terminal.text)
    // log-update redraws the block: cursor up and erase-line sequences, the running phase, the clock
    expect(terminal.text).toMatch(/\u001b\[\d*A|\u001b\[2K/)
    expect(terminal.text).toMatch(/▶ phase install\.d/)
    expect(terminal.text).toMatch(/elapsed \d+:\d\d/)
    expect(terminal.text).toContain('copy the tree')
    const events = parseEventLines(
      readFileSync(join(work, 'build.jsonl'), 'utf8'),
      'build.jsonl',
    ).map((e) => e.event)
    expect(
      events.some((e) => e.kind === 'progress' && e.task === 'copy the tree' && e.done === e.total),
    ).toBe(true)
    expect(events.filter((e) => e.kind === 'output' && /^\/dev\/loop\d+$/.test(e.line))).toEqual([])
    // the timings of this build are kept for the next one's estimate
    expect(readdirSync(join(TEST_CACHE, 'timings')).length).toBeGreaterThan(0)
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('writes SPDX 2.3 and CycloneDX 1.6 SBOMs listing every installed package', async () => {
    const installed = installedInTar()
    expect(installed.length).toBeGreaterThan(80)
    const cdxText = readFileSync(join(work, 'debian.cdx.json'), 'utf8')
    expect(
      await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(cdxText),
    ).toBeNull()
    const cdx = JSON.parse(cdxText) as {
      metadata: { timestamp: string }
      components: { name: string; purl: string; licenses?: unknown[] }[]
    }
    expect(cdx.metadata.timestamp).toBe('2023-11-14T22:13:20.000Z')
    expect(cdx.components.map((c) => c.name).sort()).toEqual(installed)
    const bash = cdx.components.find((c) => c.name === 'bash')
    expect(bash?.purl).toMatch(/^pkg:deb\/debian\/bash@[^?]+\?arch=amd64&distro=debian-13$/)
    // Debian's machine-readable copyright files give most packages a licence
    expect(cdx.components.filter((c) => (c.licenses ?? []).length > 0).length).toBeGreaterThan(
      installed.length / 2,
    )

    const spdxText = readFileSync(join(work, 'debian.spdx.json'), 'utf8')
    expect(spdxProblems(spdxText)).toEqual([])
    const spdx = JSON.parse(spdxText) as {
      spdxVersion: string
      creationInfo: { created: string }
      packages: { name: string; sourceInfo?: string }[]
    }
    expect(spdx.spdxVersion).toBe('SPDX-2.3')
    expect(spdx.creationInfo.created).toBe('2023-11-14T22:13:20Z')
    expect(
      spdx.packages
        .slice(1)
        .map((p) => p.name)
        .sort(),
    ).toEqual(installed)
    expect(spdx.packages.find((p) => p.name === 'libc6')?.sourceInfo).toMatch(
      /^built from source package glibc /,
    )
  })

  it.skipIf(!existsSync(CHROMIUM))('shows the build and the image in the HTML report', async () => {
    const installed = installedInTar()
    await withBrowser(async (browser) => {
      const page = await browser.newPage()
      await page.setViewport({ width: 1280, height: 900 })
      await page.goto(`file://${join(work, 'build.html')}`)
      const text = await page.$eval(
        'body',
        (el) => (el as unknown as { innerText: string }).innerText,
      )
      expect(text).toContain('Build succeeded')
      for (const step of [
        'phase root.d',
        'create the disk',
        'copy the tree',
        'inventory the image',
        'pack the tree',
      ])
        expect(text).toContain(step)
      expect(text).toMatch(/mkfs \S+ \(ext4\)/)
      expect(text).toContain(`Installed packages (${installed.length})`)
      expect(text).toMatch(/Largest directories\s+Name\s+Size\s+Share\s+\/usr\s/)
      expect(
        await page.$eval('.disk', (el) => (el as unknown as { innerText: string }).innerText),
      ).toMatch(/ext4\s+\//)
      expect(text).toMatch(/debian\.spdx\.json\s+SPDX 2\.3/)
      await page.screenshot({ path: screenshotPath('debian-report.png'), fullPage: true })
    })
  })
})
