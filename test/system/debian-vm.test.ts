// The README's promise: `disk-image-create -o debian debian-minimal vm` builds a Debian 12 image
// that boots to a login prompt under software emulation. Two builds run at once (they must not
// disturb each other), and both images boot. The Debian root is bootstrapped once per machine
// into the shared test cache and reused by later builds.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, IW_BIN, TEST_CACHE, hostSnapshot, runCli, type CliResult, type HostSnapshot } from '../helpers/cli.ts'

let work: string
let before: HostSnapshot
let defaultBuild: CliResult
let multiBuild: CliResult

const env = (): Record<string, string> => ({ DIB_IMAGE_CACHE: TEST_CACHE, DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1', TMPDIR: join(work, 'tmp') })
const tarText = (tar: string, member: string): string => execFileSync('tar', ['-xOf', tar, member], { encoding: 'utf8' })

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-debian-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  // The exact command of the README, and a multi-format build of the same elements, in parallel.
  ;[defaultBuild, multiBuild] = await Promise.all([
    runCli(DIB_BIN, { args: ['-o', 'debian', 'debian-minimal', 'vm'], env: env(), cwd: work }),
    runCli(DIB_BIN, { args: ['-t', 'tar,raw,qcow2', '-o', 'multi', 'debian-minimal', 'vm'], env: env(), cwd: work }),
  ])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

async function expectBoots(image: string): Promise<void> {
  const started = Date.now()
  const boot = await runCli(IW_BIN, { args: ['boot-test', '--quiet', '--timeout', '300', image], cwd: work })
  expect(boot.stdout, boot.stderr).toContain('PASS')
  expect(boot.code).toBe(0)
  expect(Date.now() - started).toBeLessThan(300_000)
}

describe('debian-minimal vm', () => {
  it('builds debian.qcow2 with the default command line, and it boots to a login prompt', async () => {
    expect(defaultBuild.stderr).toBe('')
    expect(defaultBuild.code).toBe(0)
    expect(defaultBuild.stdout).toContain('Hygiene check passed')
    expect(defaultBuild.stdout).not.toContain('WARNING')
    const qcow2 = join(work, 'debian.qcow2')
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', qcow2], { encoding: 'utf8' })) as { format: string }
    expect(info.format).toBe('qcow2')
    await expectBoots(qcow2)
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('writes tar, raw and qcow2 from one build, built in parallel with the other, and it boots too', async () => {
    expect(multiBuild.stderr).toBe('')
    expect(multiBuild.code).toBe(0)
    for (const ext of ['tar', 'raw', 'qcow2']) expect(existsSync(join(work, `multi.${ext}`))).toBe(true)

    const tar = join(work, 'multi.tar')
    expect(tarText(tar, './usr/lib/os-release')).toMatch(/VERSION_ID="12"/)
    expect(tarText(tar, './etc/fstab')).toMatch(/^LABEL=cloudimg-rootfs\s+\/\s+ext4\s/m)
    const grubCfg = tarText(tar, './boot/grub/grub.cfg')
    expect(grubCfg).toMatch(/root=LABEL=cloudimg-rootfs/)
    expect(grubCfg).toContain('console=ttyS0,115200')
    expect(grubCfg).not.toContain('/dev/loop')
    expect(tarText(tar, './etc/machine-id')).toBe('')

    const table = JSON.parse(execFileSync('sfdisk', ['--json', join(work, 'multi.raw')], { encoding: 'utf8' })) as {
      partitiontable: { label: string; partitions: { bootable?: boolean; type: string; start: number }[] }
    }
    expect(table.partitiontable.label).toBe('dos')
    expect(table.partitiontable.partitions).toHaveLength(1)
    expect(table.partitiontable.partitions[0]).toMatchObject({ bootable: true, type: '83', start: 2048 })
    const compare = execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'qcow2', join(work, 'multi.raw'), join(work, 'multi.qcow2')], { encoding: 'utf8' })
    expect(compare).toContain('Images are identical')
    await expectBoots(join(work, 'multi.qcow2'))
    expect(hostSnapshot(work)).toEqual(before)
  })
})
