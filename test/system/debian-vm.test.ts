// The README's promise: `disk-image-create -o debian debian-minimal vm` builds an image of
// Debian's current stable release (no DIB_RELEASE: 13, trixie, today) that boots to a login
// prompt, whose banner names that release, under software emulation. Two builds run at once
// (they must not disturb each other), and both images boot. The second is the seed's first flow,
// `disk-image-create vm debian -p qemu-guest-agent` (the cloud-image element, a package from -p),
// written in three formats, and logged in to on its console to see the package installed. The Debian root is bootstrapped once per machine
// into the shared test cache and reused by later builds.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
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
    runCli(DIB_BIN, {
      args: ['-t', 'tar,raw,qcow2', '-o', 'multi', 'vm', 'debian', '-p', 'qemu-guest-agent', 'devuser'],
      env: { ...env(), DIB_DEV_USER_PASSWORD: 'debian-vm-pw', DIB_DEV_USER_AUTHORIZED_KEYS: '/dev/null' },
      cwd: work,
    }),
  ])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** Boots the image to its login prompt; returns the console text. */
async function expectBoots(image: string, login: readonly string[] = []): Promise<{ console: string; stdout: string }> {
  const started = Date.now()
  const consoleLog = `${image}.console`
  const args = ['boot-test', '--quiet', '--timeout', '300', '--console-log', consoleLog, ...login, image]
  const boot = await runCli(IW_BIN, { args, cwd: work })
  expect(boot.stdout, boot.stderr).toContain('PASS')
  expect(boot.code).toBe(0)
  expect(Date.now() - started).toBeLessThan(300_000)
  return { console: readFileSync(consoleLog, 'utf8'), stdout: boot.stdout }
}

describe('debian-minimal vm', () => {
  it('builds debian.qcow2 with the default command line, and it boots to a Debian 13 login prompt', async () => {
    expect(defaultBuild.stderr).toBe('')
    expect(defaultBuild.code).toBe(0)
    expect(defaultBuild.stdout).toContain('Hygiene check passed')
    expect(defaultBuild.stdout).not.toContain('WARNING')
    expect(defaultBuild.stdout).toMatch(/Debian release: stable → trixie \(13\.\d+\), archive of \d{4}-\d\d-\d\d/)
    const qcow2 = join(work, 'debian.qcow2')
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', qcow2], { encoding: 'utf8' })) as { format: string }
    expect(info.format).toBe('qcow2')
    const booted = await expectBoots(qcow2)
    // the getty's banner, just above the prompt
    expect(booted.console).toMatch(/Debian GNU\/Linux 13 debian ttyS0\s+debian login:/)
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('builds vm debian -p qemu-guest-agent as tar, raw and qcow2 in parallel with the other; it boots with the package', async () => {
    expect(multiBuild.stderr).toBe('')
    expect(multiBuild.code).toBe(0)
    for (const ext of ['tar', 'raw', 'qcow2']) expect(existsSync(join(work, `multi.${ext}`))).toBe(true)

    const tar = join(work, 'multi.tar')
    expect(tarText(tar, './usr/lib/os-release')).toMatch(/VERSION_ID="13"/)
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
    // the debian element's additions over debian-minimal, and the package asked for
    const packages = tarText(tar, './var/lib/dpkg/status')
    for (const name of ['cloud-init', 'openssh-server', 'sudo', 'qemu-guest-agent']) expect(packages).toContain(`Package: ${name}\n`)
    const booted = await expectBoots(join(work, 'multi.qcow2'), [
      '--user', 'devuser', '--password', 'debian-vm-pw', '--command', 'dpkg -s qemu-guest-agent',
    ])
    expect(booted.stdout).toContain('$ dpkg -s qemu-guest-agent  (exit 0)')
    expect(booted.stdout).toMatch(/^ {2}Status: install ok installed$/m)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
