import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { doctorSettings, renderChecks } from '../../../src/cli/commands/doctor.ts'
import type { Check } from '../../../src/doctor/checks.ts'

const ok: Check = {
  id: 'root',
  title: 'root',
  status: 'ok',
  found: 'running as root',
  limits: 'every build',
  packages: [],
}
const warn: Check = {
  id: 'mkfs.xfs',
  title: 'mkfs.xfs',
  status: 'warn',
  found: 'missing',
  limits: 'FS_TYPE=xfs roots',
  fix: 'apt-get install xfsprogs',
  packages: ['xfsprogs'],
}
const fail: Check = {
  id: 'loop-devices',
  title: 'loop devices',
  status: 'fail',
  found: 'no /dev/loop-control',
  limits: 'every disk image build',
  fix: 'modprobe loop',
  packages: ['kmod'],
}

describe('renderChecks()', () => {
  it('prints one line per check, what a problem limits and its fix, and one apt-get line', () => {
    expect(stripVTControlCharacters(renderChecks([ok, warn]))).toBe(
      [
        'ok    root      running as root',
        'warn  mkfs.xfs  missing',
        '                limits: FS_TYPE=xfs roots',
        '                fix:    apt-get install xfsprogs',
        '',
        'Builds can work on this host; 1 check(s) limit some builds or boot tests',
        'Packages that fix the rest: apt-get install xfsprogs',
        '',
      ].join('\n'),
    )
  })

  it('says so when no build can work', () => {
    const text = stripVTControlCharacters(renderChecks([ok, fail, warn]))
    expect(text).toContain('FAIL  loop devices  no /dev/loop-control\n')
    expect(text).toContain('No build can work on this host: 1 check(s) failed\n')
    expect(text).toContain('apt-get install kmod xfsprogs\n')
  })
})

describe('doctorSettings()', () => {
  it('reads the places and tmpfs settings a build would use from the environment', () => {
    expect(doctorSettings({ HOME: '/home/u', PATH: '/bin' })).toEqual({
      tmpDir: '/tmp',
      imageCache: '/home/u/.cache/image-create',
      minTmpfsGiB: 2,
      noTmpfs: false,
      path: '/bin',
    })
    expect(
      doctorSettings({
        TMPDIR: '/srv/tmp',
        DIB_IMAGE_CACHE: '/srv/cache',
        DIB_MIN_TMPFS: '6',
        DIB_NO_TMPFS: '1',
      }),
    ).toMatchObject({
      tmpDir: '/srv/tmp',
      imageCache: '/srv/cache',
      minTmpfsGiB: 6,
      noTmpfs: true,
    })
  })
})
