// `imagewright doctor` on this real host, through the compiled CLI (run `npm run build` first):
// every check's verdict is compared with what the test finds on its own, the partition-scanning
// trial leaves no loop device behind, and a user who is not root is told no build can work.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ProcessRunner } from '../../src/exec/run.ts'
import { tryQemuUnderKvm } from '../../src/doctor/trials.ts'
import { silentReporter } from '../../src/report/events.ts'
import type { Check } from '../../src/doctor/checks.ts'
import { IW_BIN, runCli } from '../helpers/cli.ts'

const isRoot = process.getuid?.() === 0
const loops = (): string => execFileSync('losetup', ['-a'], { encoding: 'utf8' })
const hasCommand = (name: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  }).status === 0

interface Report {
  readonly buildsCanWork: boolean
  readonly checks: readonly Check[]
}

describe('imagewright doctor', () => {
  it('--json reports this host as it is, exits 8 exactly when a check failed, and leaves no loop device', async () => {
    const result = await runCli(IW_BIN, { args: ['doctor', '--json'], timeoutMs: 60_000 })
    expect(result.stderr).toBe('')
    const report = JSON.parse(result.stdout) as Report
    const check = (id: string): Check => {
      const found = report.checks.find((c) => c.id === id)
      if (!found) throw new Error(`no check "${id}"`)
      return found
    }
    expect(result.code).toBe(report.buildsCanWork ? 0 : 8)
    expect(report.buildsCanWork).toBe(report.checks.every((c) => c.status !== 'fail'))
    for (const c of report.checks) {
      expect(c.limits, c.id).not.toBe('')
      if (c.status !== 'ok') expect(c.fix, c.id).toBeTruthy()
    }

    expect(check('root').status).toBe(isRoot ? 'ok' : 'fail')
    expect(check('device-mapper').status).toBe(existsSync('/dev/mapper/control') ? 'ok' : 'warn')
    expect(check('kvm').status === 'ok').toBe(
      existsSync('/dev/kvm') && check('kvm').found.includes('QEMU ran under KVM'),
    )
    if (!existsSync('/dev/kvm')) expect(check('kvm').found).toBe('no /dev/kvm')
    for (const tool of [
      'mkfs.ext4',
      'mkfs.xfs',
      'mkfs.btrfs',
      'mkfs.vfat',
      'mkswap',
      'sgdisk',
      'qemu-img',
    ]) {
      expect(check(tool).status, tool).toBe(hasCommand(tool) ? 'ok' : 'warn')
    }
    expect(check('qemu').status).toBe(hasCommand('qemu-system-x86_64') ? 'ok' : 'warn')
    expect(check('ovmf').status).toBe(existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd') ? 'ok' : 'warn')
    const vfatInKernel = /\svfat$/m.test(
      execFileSync('cat', ['/proc/filesystems'], { encoding: 'utf8' }),
    )
    if (!vfatInKernel && hasCommand('fusefat'))
      expect(check('vfat').found).toContain('through fusefat')
    // This machine has loop devices (CI builds on it): as root the trial must have seen p1.
    if (isRoot)
      expect(check('loop-devices')).toMatchObject({
        status: 'ok',
        found: 'a partitioned loop device showed its partition',
      })
    expect(check('space-tmpdir').found).toMatch(/^\d+\.\d GiB free in /)
    expect(loops()).not.toContain('imagewright-doctor-')
  })

  it('as a user who is not root: root fails, the loop trial is skipped, exit 8, and the text names the fix', async () => {
    const nobody = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, IW_BIN, 'doctor'],
      {
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', NO_COLOR: '1' },
        timeout: 60_000,
      },
    )
    expect(nobody.stderr).toBe('')
    expect(nobody.status).toBe(8)
    expect(nobody.stdout).toMatch(/^FAIL +root +running as uid 65534$/m)
    expect(nobody.stdout).toMatch(/fix: +run builds as root/)
    expect(nobody.stdout).toMatch(
      /^warn +loop devices and partition scanning +\/dev\/loop-control present; partition scanning not tried: it needs root$/m,
    )
    expect(nobody.stdout).toContain('No build can work on this host: 1 check(s) failed')
  }, 60_000)
})

describe('tryQemuUnderKvm()', () => {
  // Every host runs this: without /dev/kvm the trial must fail with QEMU's own reason; with it,
  // KVM either works or (as on hosts whose KVM aborts QEMU) fails with a reason.
  it("fails with QEMU's own reason on a host without KVM, and gives a verdict on one with it", async () => {
    const trial = await tryQemuUnderKvm(
      new ProcessRunner({ reporter: silentReporter }),
      'qemu-system-x86_64',
    )
    if (existsSync('/dev/kvm')) {
      expect(['ok', 'failed']).toContain(trial.kind)
      if (trial.kind === 'failed') expect(trial.why).toMatch(/^QEMU exited after \d+\.\d s/)
    } else {
      expect(trial).toMatchObject({
        kind: 'failed',
        why: expect.stringMatching(/^QEMU exited after \d+\.\d s with status 1: .*kvm/),
      })
    }
  })
})
