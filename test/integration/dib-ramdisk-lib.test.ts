// $_LIB/ramdisk-functions as DIB's ramdisk element drives it (create_ramdisk_base, populate_lib,
// populate_busybox, populate_init, populate_udev, finalise_image, then save_image), run by real
// bash on a scratch tree with the host's busybox, bash and udevadm; the archive is read back
// with cpio.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO } from './elements-shell-fixture.ts'

const LIB = join(REPO, 'lib')
const VERSION = '6.1.0-99-test'
const work = mkdtempSync('/var/tmp/iw-ramdisk-lib-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

function write(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
}

/** The files DIB's ramdisk element hands the functions: its init scripts, init.d and udev.d. */
function fixture(): Record<string, string> {
  write(join(work, 'modules', VERSION, 'kernel/drivers/virtio/virtio_pci.ko'), 'module\n')
  write(join(work, 'modules', VERSION, 'kernel/drivers/video/fbdev/cirrusfb.ko'), 'framebuffer\n')
  write(join(work, 'scripts/init'), '#!/bin/bash\necho "init starts"\n')
  write(join(work, 'scripts/init-end'), 'echo "init ends"\n')
  write(join(work, 'scripts/d/init-func'), 'say() { echo "$@"; }\n')
  write(join(work, 'hooks/init.d/30-network'), 'echo "fragment 30"\n')
  write(join(work, 'hooks/init.d/10-base'), 'echo "fragment 10"\n')
  write(join(work, 'hooks/udev.d/60-storage.rules'), 'KERNEL=="vd*", SYMLINK+="disk/test"\n')
  return {
    TMP_DIR: work,
    DIB_NO_TMPFS: '1',
    KERNEL_VERSION: VERSION,
    MODULE_DIR: join(work, 'modules', VERSION),
    FIRMWARE_DIR: join(work, 'no-firmware'),
    LIB_UDEV: join(work, 'no-udev'),
    INIT: join(work, 'scripts/init'),
    FUNCTIONS_D: join(work, 'scripts/d'),
    BUSYBOX: '/usr/bin/busybox',
    _IW_RAMDISK_HOOKS: join(work, 'hooks'),
  }
}

const BUILD = `
source "$_LIB/common-defaults"; source "$_LIB/ramdisk-defaults"
source "$_LIB/common-functions"; source "$_LIB/img-functions"; source "$_LIB/ramdisk-functions"
mk_build_dir
export TMP_MOUNT_PATH=$TMP_BUILD_DIR/mnt
mkdir -p "$TMP_MOUNT_PATH"
create_ramdisk_base
populate_lib
populate_busybox
populate_init
populate_udev
finalise_image
save_image "$OUT"
`

describe("ramdisk-functions: a busybox ramdisk as DIB's ramdisk element builds it", () => {
  const out = join(work, 'image.initramfs')
  const env = { ...fixture(), OUT: out }
  const shell = spawnSync('bash', ['-c', `set -eu -o pipefail\n${BUILD}`], {
    env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', LC_ALL: 'C', _LIB: LIB, ...env },
    encoding: 'utf8',
  })
  const unpacked = join(work, 'unpacked')

  it('packs the tree into a gzipped cpio archive where save_image puts it', () => {
    expect(shell.stderr).toBe('')
    expect(shell.status).toBe(0)
    mkdirSync(unpacked)
    execFileSync('bash', ['-c', `gzip -dc "${out}" | cpio --quiet -idm`], { cwd: unpacked })
    const listing = execFileSync('bash', ['-c', `gzip -dc "${out}" | cpio --quiet -t`], {
      encoding: 'utf8',
    }).split('\n')
    expect(listing).toEqual(
      expect.arrayContaining([
        'init',
        'init-func',
        'bin/busybox',
        'bin/bash',
        'bin/udevadm',
        'sbin',
        'etc/fstab',
      ]),
    )
  })

  it('copies the binaries with their libraries, and links the loader where they ask for it', () => {
    const loader = execFileSync(
      'bash',
      ['-c', "ldd /usr/bin/bash | awk '/ld-linux/ { print $1 }'"],
      { encoding: 'utf8' },
    ).trim()
    expect(
      readFileSync(join(unpacked, 'lib', loader.split('/').pop() ?? '')).length,
    ).toBeGreaterThan(1000)
    expect(execFileSync('readlink', [join(unpacked, loader)], { encoding: 'utf8' }).trim()).toMatch(
      /^\/lib\/ld-linux/,
    )
    // busybox's applets are links to it; a command it provides is not copied in.
    expect(execFileSync('readlink', [join(unpacked, 'bin/ls')], { encoding: 'utf8' }).trim()).toBe(
      'busybox',
    )
    expect(
      execFileSync('readlink', [join(unpacked, 'bin/modprobe')], { encoding: 'utf8' }).trim(),
    ).toBe('busybox')
  })

  it("takes the kernel's modules without its framebuffer drivers", () => {
    expect(
      readFileSync(
        join(unpacked, 'lib/modules', VERSION, 'kernel/drivers/virtio/virtio_pci.ko'),
        'utf8',
      ),
    ).toBe('module\n')
    expect(() =>
      readFileSync(
        join(unpacked, 'lib/modules', VERSION, 'kernel/drivers/video/fbdev/cirrusfb.ko'),
      ),
    ).toThrow()
    expect(readFileSync(join(unpacked, 'etc/modprobe.d/blacklist-dib-ramdisk.conf'), 'utf8')).toBe(
      'blacklist evbug\n',
    )
  })

  it('writes /init from init, the init.d fragments in name order, then init-end; and the udev.d rules', () => {
    const init = readFileSync(join(unpacked, 'init'), 'utf8')
    const order = [
      'init starts',
      '# init fragment from 10-base',
      'fragment 10',
      '# init fragment from 30-network',
      'fragment 30',
      'init ends',
    ]
    const positions = order.map((text) => init.indexOf(text))
    expect(positions.every((p) => p >= 0)).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(readFileSync(join(unpacked, 'lib/udev/rules.d/60-storage.rules'), 'utf8')).toContain(
      'disk/test',
    )
  })

  it('removes its build directories when the shell exits', () => {
    expect(
      execFileSync('bash', ['-c', `ls -d "${work}"/dib_* 2>/dev/null || true`], {
        encoding: 'utf8',
      }),
    ).toBe('')
  })
})

describe('ramdisk-functions: a missing binary', () => {
  it("stops populate_lib with the command's name", () => {
    const env = { ...fixture() }
    const shell = spawnSync(
      'bash',
      [
        '-c',
        `set -eu -o pipefail
source "$_LIB/ramdisk-defaults"; source "$_LIB/ramdisk-functions"
TMP_MOUNT_PATH=$TMP_DIR/missing; mkdir -p "$TMP_MOUNT_PATH/bin" "$TMP_MOUNT_PATH/lib"
type() { if [ "$2" = udevadm ]; then return 1; fi; command type "$@"; }
populate_lib`,
      ],
      {
        env: { PATH: '/usr/bin:/bin', HOME: '/root', LC_ALL: 'C', _LIB: LIB, ...env },
        encoding: 'utf8',
      },
    )
    expect(shell.status).toBe(1)
    expect(shell.stderr.trim()).toBe(
      'ramdisk: udevadm is not found in PATH: an element must install it',
    )
  })
})
