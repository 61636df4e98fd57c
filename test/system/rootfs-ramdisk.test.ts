// ramdisk-image-create --ramdisk-element rootfs-ramdisk: the whole Debian 12 tree (the shared
// cached root) as initramfs, booting straight to systemd and a login prompt, with the size
// report and the memory warning of the build.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IW_BIN, REPO, TEST_CACHE, hostSnapshot, runCli, type CliResult, type HostSnapshot } from '../helpers/cli.ts'

const RAMDISK_BIN = join(REPO, 'dist', 'cli', 'ramdisk-image-create.js')
const SERIAL = 'console=ttyS0,115200'

let work: string
let before: HostSnapshot
let rootfs: CliResult

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-rootfs-ramdisk-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  rootfs = await runCli(RAMDISK_BIN, {
    args: ['--ramdisk-element', 'rootfs-ramdisk', '-o', 'ipa', 'debian-minimal'],
    // Debian 12, where this boot was proven; its Debian 13 run is still to be made.
    env: { DIB_IMAGE_CACHE: TEST_CACHE, DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1', DIB_RELEASE: 'bookworm', TMPDIR: join(work, 'tmp'), IMAGEWRIGHT_RAMDISK_MEMORY: '1024' },
    cwd: work,
  })
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

async function expectBoots(args: readonly string[]): Promise<string> {
  const boot = await runCli(IW_BIN, { args: ['boot-test', '--timeout', '400', ...args], cwd: work })
  expect(boot.stdout.split('\n'), boot.stderr).toContain('PASS')
  expect(boot.code).toBe(0)
  return boot.stdout
}

describe('ramdisk-image-create --ramdisk-element rootfs-ramdisk debian-minimal', () => {
  it('packs the whole tree, reports its size, and warns when 1024 MiB cannot hold it', () => {
    expect(rootfs.stderr).toBe('')
    expect(rootfs.code).toBe(0)
    expect(rootfs.stdout).toMatch(/rootfs-ramdisk: \d+ KiB compressed \((zstd|gzip)\), \d+ MiB unpacked; it needs at least \d+ MiB of memory to boot/)
    const need = Number(/at least (\d+) MiB/.exec(rootfs.stdout)?.[1])
    expect(rootfs.stdout.includes('more than the 1024 MiB its target has')).toBe(need > 1024)
    expect(readdirSync(work).filter((f) => f.startsWith('ipa')).sort()).toEqual(['ipa.initramfs', 'ipa.kernel'])
  })

  it('boots straight to systemd and a login prompt', async () => {
    const console = await expectBoots(['--kernel', 'ipa.kernel', '--initrd', 'ipa.initramfs', '--append', SERIAL, '--memory', '2048'])
    expect(console).toMatch(/systemd\[1\]|Welcome to .*Debian/)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
