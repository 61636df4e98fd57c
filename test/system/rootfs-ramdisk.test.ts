// Ramdisks made from the full Debian 12 tree (the shared cached root), two builds at once:
// - ramdisk-image-create --ramdisk-element rootfs-ramdisk: the whole tree as initramfs, booting
//   straight to systemd and a login prompt, with the size report and the memory warning;
// - ramdisk-image-create --ramdisk-element dracut-ramdisk: the image's own dracut builds the
//   ramdisk with the drivers elements ask for in dracut-drivers.d, and it boots from kernel and
//   initramfs to the ramdisk's prompt. The same build carries dracut-regenerate (the image's
//   initrd rewritten with the lvm and crypt modules and the packages DIB_DRACUT_ENABLED_MODULES
//   names) and baremetal, which copies that initrd out beside the ramdisk to be read.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  HOST_OS_ELEMENTS,
  IW_BIN,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
  RAMDISK_BIN,
} from '../helpers/cli.ts'
import { initramfsFiles, initramfsText } from '../helpers/initramfs.ts'

const SERIAL = 'console=ttyS0,115200'

let work: string
let before: HostSnapshot
let rootfs: CliResult
let dracut: CliResult

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-rootfs-ramdisk-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  // Debian 12, where these boots were proven; their Debian 13 run is still to be made.
  const env = {
    DIB_IMAGE_CACHE: TEST_CACHE,
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
    DIB_RELEASE: 'bookworm',
    TMPDIR: join(work, 'tmp'),
  }
  ;[rootfs, dracut] = await Promise.all([
    runCli(RAMDISK_BIN, {
      args: ['--ramdisk-element', 'rootfs-ramdisk', '-o', 'ipa', 'debian-minimal'],
      env: { ...env, IMAGEWRIGHT_RAMDISK_MEMORY: '1024' },
      cwd: work,
    }),
    runCli(RAMDISK_BIN, {
      // dracut-extra-drivers (a test element) asks for e1000 and 8139cp in dracut-drivers.d.
      args: [
        '--ramdisk-element',
        'dracut-ramdisk',
        '-o',
        'drd',
        'debian-minimal',
        'dracut-extra-drivers',
        'dracut-regenerate',
        'baremetal',
      ],
      env: {
        ...env,
        ELEMENTS_PATH: HOST_OS_ELEMENTS,
        // DIB's YAML form, with both ways of listing a module's packages.
        DIB_DRACUT_ENABLED_MODULES:
          '- name: lvm\n  packages:\n    - lvm2\n- name: crypt\n  packages: [cryptsetup-bin]\n',
      },
      cwd: work,
    }),
  ])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

async function expectBoots(args: readonly string[], marker?: string): Promise<string> {
  const boot = await runCli(IW_BIN, {
    args: [
      'boot-test',
      '--timeout',
      '400',
      ...(marker === undefined ? [] : ['--marker', marker]),
      ...args,
    ],
    cwd: work,
  })
  expect(boot.stdout.split('\n'), boot.stderr).toContain('PASS')
  expect(boot.code).toBe(0)
  return boot.stdout
}

describe('ramdisk-image-create --ramdisk-element rootfs-ramdisk debian-minimal', () => {
  it('packs the whole tree, reports its size, and warns when 1024 MiB cannot hold it', () => {
    expect(rootfs.stderr).toBe('')
    expect(rootfs.code).toBe(0)
    expect(rootfs.stdout).toMatch(
      /rootfs-ramdisk: \d+ KiB compressed \((zstd|gzip)\), \d+ MiB unpacked; it needs at least \d+ MiB of memory to boot/,
    )
    const need = Number(/at least (\d+) MiB/.exec(rootfs.stdout)?.[1])
    expect(rootfs.stdout.includes('more than the 1024 MiB its target has')).toBe(need > 1024)
    expect(
      readdirSync(work)
        .filter((f) => f.startsWith('ipa'))
        .sort(),
    ).toEqual(['ipa.d', 'ipa.initramfs', 'ipa.kernel'])
  })

  it('boots straight to systemd and a login prompt', async () => {
    const console = await expectBoots([
      '--kernel',
      'ipa.kernel',
      '--initrd',
      'ipa.initramfs',
      '--append',
      SERIAL,
      '--memory',
      '2048',
    ])
    expect(console).toMatch(/systemd\[1\]|Welcome to .*Debian/)
  })
})

describe('ramdisk-image-create --ramdisk-element dracut-ramdisk debian-minimal dracut-extra-drivers dracut-regenerate baremetal', () => {
  it('has dracut build drd.initramfs with the imagewright module, virtio and the drivers asked for', () => {
    expect(dracut.stderr).toBe('')
    expect(dracut.code).toBe(0)
    expect(dracut.stdout).toMatch(/dracut-ramdisk: \d+ KiB ramdisk for kernel \d+\.\d+\S*-amd64/)
    expect(
      readdirSync(work)
        .filter((f) => f.startsWith('drd'))
        .sort(),
    ).toEqual(['drd.d', 'drd.initramfs', 'drd.initrd', 'drd.kernel', 'drd.vmlinuz'])
    const files = initramfsFiles(join(work, 'drd.initramfs'))
    expect(files).toContain('usr/lib/imagewright/ramdisk-init-fragments.sh')
    for (const driver of ['virtio_net', 'virtio_blk', 'e1000', '8139cp']) {
      expect(
        files.some((f) => new RegExp(`/${driver}\\.ko(\\.[gx]z|\\.zst)?$`).test(f)),
        driver,
      ).toBe(true)
    }
  })

  it("has dracut-regenerate rewrite the image's initrd with the lvm and crypt modules and lvm itself", () => {
    expect(dracut.stdout).toMatch(
      /dracut-regenerate: \/boot\/initrd\.img-\S+ with modules lvm crypt/,
    )
    const initrd = join(work, 'drd.initrd')
    expect(initramfsText(initrd, 'usr/lib/dracut/modules.txt').split('\n')).toEqual(
      expect.arrayContaining(['lvm', 'crypt', 'dm']),
    )
    const files = initramfsFiles(initrd)
    expect(files.some((f) => /(^|\/)sbin\/lvm$/.test(f))).toBe(true)
    expect(files.some((f) => /\/dm-crypt\.ko/.test(f))).toBe(true)
  })

  it("boots from kernel and initramfs to the ramdisk's prompt", async () => {
    const console = await expectBoots(
      [
        '--kernel',
        'drd.kernel',
        '--initrd',
        'drd.initramfs',
        '--append',
        SERIAL,
        '--memory',
        '1024',
      ],
      'ramdisk# $',
    )
    // systemd runs dracut's hooks here, so the module's messages go to the journal; the prompt
    // comes from the pre-mount hook, after systemd started it.
    expect(console).toMatch(/Starting dracut-pre-mount.*dracut pre-mount hook/)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
