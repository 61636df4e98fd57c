// The live progress view on a real terminal: tmux runs it in a 100x30 pane and the test reads
// the screen a person would see, mid-build (the live block under the lasting lines) and at the
// end (the block gone, the lasting lines kept).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

const work = mkdtempSync(join(tmpdir(), 'iw-live-'))
const session = `iw-live-${process.pid}`
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', session, ...args], { encoding: 'utf8' })
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'])
    return true
  } catch {
    return false
  }
})()

afterAll(() => {
  try {
    tmux('kill-server')
  } catch {
    // already gone
  }
  rmSync(work, { recursive: true, force: true })
})

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.skipIf(!hasTmux)('live progress on a terminal', () => {
  it('draws the running phase, script, apt bars and estimate in place, and clears them at the end', async () => {
    const reached = join(work, 'reached')
    const proceed = join(work, 'proceed')
    const done = join(work, 'done')
    const driver = join(REPO, 'test', 'fixtures', 'report', 'live-driver.mjs')
    tmux(
      'new-session',
      '-d',
      '-x',
      '100',
      '-y',
      '30',
      '-s',
      'live',
      `${process.execPath} ${driver} ${reached} ${proceed}; touch ${done}; sleep 30`,
    )
    await until(() => existsSync(reached), 'the driver to reach the middle of the build')
    await new Promise((resolve) => setTimeout(resolve, 700)) // a redraw or two
    const middle = tmux('capture-pane', '-p', '-t', 'live')
    expect(middle).toContain('Elements: debian-minimal vm')
    expect(middle).toContain('==> phase install.d (1 script(s))')
    expect(middle).toMatch(/▶ phase install\.d {2}0:0\d/)
    expect(middle).toContain('install.d/01-install-packages (element package-installs)')
    expect(middle).toMatch(/\[######-{18}\] {2}25% apt download \(1\.0 MB of 4\.0 MB, 1 archives\)/)
    expect(middle).toMatch(/\[#-{23}\] {3}5% apt install \(1 of 10 unpacked, 0 set up\)/)
    expect(middle).toContain('│ Unpacking foo (1.0) ...')
    expect(middle).toMatch(/elapsed 0:0\d, about 9:5\d left \(from the last build\)/)
    // tool output stays out of the scrollback: only the live block shows its last line
    expect(middle.match(/Unpacking foo/g)).toHaveLength(1)

    writeFileSync(proceed, '')
    await until(() => existsSync(done), 'the driver to finish')
    const end = tmux('capture-pane', '-p', '-t', 'live')
    expect(end).toContain('install.d/01-install-packages completed (1.2s)')
    expect(end).toContain('<== phase install.d done in 1.3s')
    expect(end).toContain('/out/debian.qcow2')
    expect(end).not.toContain('elapsed')
    expect(end).not.toContain('Unpacking foo')
  })
})
