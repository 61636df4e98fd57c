// The one hook runner: what a command sees on each side of the chroot, and the
// imagewright-run-hook call that sources environment.d first.
import { describe, expect, it } from 'vitest'
import { phaseSpec } from '../../../src/phases/phase-table.ts'
import {
  formatOutputTail,
  hookCommand,
  hookSide,
  type HookSite,
} from '../../../src/phases/run-hook.ts'

const site: HookSite = {
  hooksDir: '/build/hooks',
  root: '/build/mnt',
  runHook: '/opt/iw/libexec/imagewright-run-hook',
  hostHelpersDir: '/opt/iw/libexec',
  hostToolsDirs: ['/opt/iw/libexec/host'],
  baseEnv: { PATH: '/usr/bin:/bin', TMPDIR: '/var/tmp' },
  exported: new Map([['DIB_RELEASE', 'trixie']]),
}

describe('hookCommand()', () => {
  it("runs a chroot phase's script through the hooks tree's copy of imagewright-run-hook", () => {
    const command = hookCommand(site, phaseSpec('install'), {
      envFiles: ['10-a.bash', '50-b'],
      argv: (hooks) => [`${hooks}/install.d/50-foo`],
      label: 'install.d/50-foo (element foo)',
    })
    expect(command.argv).toEqual([
      '/tmp/in_target.d/.imagewright/bin/imagewright-run-hook',
      '/tmp/in_target.d/environment.d/10-a.bash',
      '/tmp/in_target.d/environment.d/50-b',
      '--',
      '/tmp/in_target.d/install.d/50-foo',
    ])
    expect(command.chroot).toBe('/build/mnt')
    expect(
      command.env?.['PATH']?.startsWith('/tmp/in_target.d/.imagewright/bin:/usr/bin:/bin:'),
    ).toBe(true)
    expect(command.env?.['TMPDIR']).toBeUndefined()
    expect(command.env?.['DIB_RELEASE']).toBe('trixie')
  })

  it("runs a host phase's script from the host tree with the host helpers and tools first on PATH", () => {
    const command = hookCommand(site, phaseSpec('root'), {
      envFiles: ['10-a.bash'],
      argv: (hooks) => [`${hooks}/root.d/08-x`],
      label: 'root.d/08-x (element x)',
    })
    expect(command.argv).toEqual([
      '/opt/iw/libexec/imagewright-run-hook',
      '/build/hooks/environment.d/10-a.bash',
      '--',
      '/build/hooks/root.d/08-x',
    ])
    expect(command.chroot).toBeUndefined()
    expect(command.env?.['PATH']).toBe('/opt/iw/libexec:/opt/iw/libexec/host:/usr/bin:/bin')
    expect(command.env?.['TARGET_ROOT']).toBe('/build/mnt')
  })
})

describe('hookSide()', () => {
  it('lets a break= shell choose the host side of a chroot phase', () => {
    const side = hookSide(site, phaseSpec('install'), 'host')
    expect(side.inChroot).toBe(false)
    expect(side.env['PATH']).toBe('/opt/iw/libexec:/opt/iw/libexec/host:/usr/bin:/bin')
    expect(side.env['TMPDIR']).toBe('/var/tmp')
  })
})

describe('formatOutputTail()', () => {
  it('keeps the last 20 lines, indented', () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`)
    const tail = formatOutputTail(lines).split('\n')
    expect(tail).toHaveLength(20)
    expect(tail[0]).toBe('  | line 5')
  })
})
