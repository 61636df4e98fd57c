// DIB's shell libraries as elements use them ($_LIB/img-functions, common-functions, the
// defaults files and die), run by real bash on real directories and mounts.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DIE_FUNCTION } from '../../src/pipeline/exported-env.ts'
import { REPO } from './elements-shell-fixture.ts'

const LIB = join(REPO, 'lib')
const work = mkdtempSync('/var/tmp/iw-dib-lib-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface Shell {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Run a bash snippet under `set -eu -o pipefail` with _LIB set and a bare environment. */
function bash(script: string, env: Record<string, string> = {}): Shell {
  const result = spawnSync('bash', ['-c', `set -eu -o pipefail\n${script}`], {
    env: { PATH: '/usr/bin:/bin', HOME: '/root', LC_ALL: 'C', _LIB: LIB, ...env },
    encoding: 'utf8',
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

function fakeRoot(name: string, files: Record<string, string>): string {
  const root = join(work, name)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  mkdirSync(join(root, 'boot'), { recursive: true })
  return root
}

const SELECT =
  'source "$_LIB/img-functions"; select_boot_kernel_initrd "$ROOT"; echo "$KERNEL $RAMDISK $BOOTDIR"'

describe('img-functions: select_boot_kernel_initrd', () => {
  it('picks the highest Debian kernel version (version order, not text order)', () => {
    const root = fakeRoot('debian', {
      'etc/debian_version': '13.2\n',
      'boot/vmlinuz-6.1.0-9-amd64': '',
      'boot/vmlinuz-6.1.0-10-amd64': '',
      'boot/initrd.img-6.1.0-9-amd64': '',
      'boot/initrd.img-6.1.0-10-amd64': '',
    })
    const shell = bash(SELECT, { ROOT: root })
    expect(shell.stderr).toBe('')
    expect(shell.stdout.trim()).toBe(
      `vmlinuz-6.1.0-10-amd64 initrd.img-6.1.0-10-amd64 ${root}/boot`,
    )
  })

  it('prefers the -generic flavour of Ubuntu', () => {
    const root = fakeRoot('ubuntu', {
      'etc/debian_version': 'trixie/sid\n',
      'boot/vmlinuz-6.8.0-40-lowlatency': '',
      'boot/vmlinuz-6.8.0-31-generic': '',
      'boot/initrd.img-6.8.0-40-lowlatency': '',
      'boot/initrd.img-6.8.0-31-generic': '',
    })
    expect(bash(SELECT, { ROOT: root }).stdout.trim()).toBe(
      `vmlinuz-6.8.0-31-generic initrd.img-6.8.0-31-generic ${root}/boot`,
    )
  })

  it('on Red Hat prefers PAE, never debug, and needs the matching initramfs', () => {
    const root = fakeRoot('redhat', {
      'etc/redhat-release': 'Rocky Linux\n',
      'boot/vmlinuz-5.14.0-9.el9': '',
      'boot/vmlinuz-5.14.0-99.el9+debug': '',
      'boot/vmlinuz-5.14.0-5.el9.PAE': '',
      'boot/initramfs-5.14.0-5.el9.PAE.img': '',
      'boot/initramfs-5.14.0-9.el9.img': '',
    })
    expect(bash(SELECT, { ROOT: root }).stdout.trim()).toBe(
      `vmlinuz-5.14.0-5.el9.PAE initramfs-5.14.0-5.el9.PAE.img ${root}/boot`,
    )
    rmSync(join(root, 'boot/initramfs-5.14.0-5.el9.PAE.img'))
    const missing = bash(SELECT, { ROOT: root })
    expect(missing.code).toBe(1)
    expect(missing.stdout).toContain(
      "Can't find an initramfs for the 5.14.0-5.el9.PAE version of the kernel.",
    )
  })

  it('honours DIB_BAREMETAL_KERNEL_PATTERN and DIB_BAREMETAL_INITRD_PATTERN', () => {
    const root = fakeRoot('patterns', {
      'etc/debian_version': '13\n',
      'boot/vmlinuz-1': '',
      'boot/custom-kernel': '',
      'boot/initrd.img-1': '',
      'boot/custom-initrd': '',
    })
    const shell = bash(SELECT, {
      ROOT: root,
      DIB_BAREMETAL_KERNEL_PATTERN: 'custom-k*',
      DIB_BAREMETAL_INITRD_PATTERN: 'custom-i*',
    })
    expect(shell.stdout.trim()).toBe(`custom-kernel custom-initrd ${root}/boot`)
  })

  it('fails on a root it cannot recognise, and on one without a kernel', () => {
    const unknown = bash(SELECT, { ROOT: fakeRoot('unknown', {}) })
    expect(unknown.code).toBe(1)
    expect(unknown.stdout).toContain('ERROR: Unable to detect operating system')
    const empty = bash(SELECT, { ROOT: fakeRoot('no-kernel', { 'etc/debian_version': '13\n' }) })
    expect(empty.code).toBe(1)
    expect(empty.stdout).toContain('no kernel or initramfs')
  })
})

describe('defaults files', () => {
  it('img-defaults sets the image defaults, keeps what is set, and completes PATH with the sbin dirs', () => {
    const shell = bash(
      'source "$_LIB/img-defaults"; echo "$ARCH $FS_TYPE $IMAGE_TYPE $IMAGE_NAME $DIB_CHECKSUM $DIB_NO_TMPFS $DIB_MIN_TMPFS [$DIB_OFFLINE] $PATH"',
      { IMAGE_NAME: 'mine' },
    )
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim()
    expect(shell.stderr).toBe('')
    const [values, path] = shell.stdout.trim().split('] ')
    expect(`${values}]`).toBe(`${arch} ext4 qcow2 mine 0 0 2 []`)
    expect(`:${path}`).toMatch(/:\/usr\/bin:\/bin:\/sbin:\/usr\/sbin:\/usr\/local\/sbin$/)
  })

  it('ramdisk-defaults turns tmpfs off and names the ramdisk element unless told otherwise', () => {
    expect(
      bash(
        'source "$_LIB/ramdisk-defaults"; echo "$DIB_NO_TMPFS $DIB_MIN_TMPFS $RAMDISK_ELEMENT $ARCH"',
        { ARCH: 'arm64' },
      ).stdout.trim(),
    ).toBe('1 1 ramdisk arm64')
    expect(
      bash('source "$_LIB/ramdisk-defaults"; echo "$DIB_NO_TMPFS $RAMDISK_ELEMENT"', {
        DIB_NO_TMPFS: '0',
        RAMDISK_ELEMENT: 'dracut-ramdisk',
      }).stdout.trim(),
    ).toBe('0 dracut-ramdisk')
  })

  it('common-defaults appends the built-in elements to ELEMENTS_PATH once', () => {
    const script =
      'source "$_LIB/common-defaults"; source "$_LIB/common-defaults"; echo "$ELEMENTS_PATH"'
    expect(
      bash(script, { ELEMENTS_PATH: '/mine', _BASE_ELEMENT_DIR: '/builtin' }).stdout.trim(),
    ).toBe('/mine:/builtin')
    expect(bash(script, { _BASE_ELEMENT_DIR: '/builtin' }).stdout.trim()).toBe('/builtin')
  })
})

describe('die', () => {
  it.each([
    ['lib/die', 'source "$_LIB/die"', {}],
    ['the function every hook gets', '', { 'BASH_FUNC_die%%': DIE_FUNCTION }],
  ])('from %s: message on stderr, the failed status or 1', (_label, prelude, env) => {
    const plain = bash(`${prelude}\ndie "it broke"`, env)
    expect([plain.code, plain.stderr.trim()]).toEqual([1, 'ERROR: it broke'])
    const status = bash(`${prelude}\n(exit 3) || die "with status"`, env)
    expect(status.code).toBe(3)
    // Exported onwards: a child bash script has it too.
    const child = bash(`${prelude}\nbash -c 'die child'`, env)
    expect([child.code, child.stderr.trim()]).toEqual([1, 'ERROR: child'])
  })
})

describe('common-functions', () => {
  it('save_image moves OUT_IMAGE_PATH into place, keeps an older file under a dated name, writes checksums', () => {
    const dir = join(work, 'save')
    mkdirSync(dir)
    writeFileSync(join(dir, 'new.raw'), 'new')
    writeFileSync(join(dir, 'image.raw'), 'old')
    const shell = bash('source "$_LIB/common-functions"; save_image "$DIR/image.raw"', {
      DIR: dir,
      OUT_IMAGE_PATH: join(dir, 'new.raw'),
      DIB_CHECKSUM: '1',
    })
    expect(shell.stdout).toContain(`Image file ${dir}/image.raw created...`)
    expect(readFileSync(join(dir, 'image.raw'), 'utf8')).toBe('new')
    const names = readdirSync(dir).sort()
    expect(
      names.filter((n) => /^image-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d\.raw$/.test(n)),
    ).toHaveLength(1)
    expect(names).toContain('image.raw.md5')
    expect(readFileSync(join(dir, 'image.raw.sha256'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}/)
  })

  it('run_d runs a phase directory through dib-run-parts, between its breakpoints', () => {
    const hooks = join(work, 'hooks')
    mkdirSync(join(hooks, 'install.d'), { recursive: true })
    writeFileSync(join(hooks, 'install.d', '10-hello'), '#!/bin/bash\necho hello from install\n', {
      mode: 0o755,
    })
    const shell = bash('source "$_LIB/common-functions"; run_d install "$LOG"; run_d missing', {
      TMP_HOOKS_PATH: hooks,
      PATH: `${join(REPO, 'libexec')}:/usr/bin:/bin`,
      LOG: join(work, 'install.log'),
      break: 'after-install',
      break_cmd: 'echo at breakpoint',
    })
    expect(shell.code).toBe(0)
    expect(shell.stderr).toContain('10-hello completed')
    expect(shell.stdout).toContain('hello from install')
    expect(shell.stdout.indexOf('at breakpoint')).toBeGreaterThan(
      shell.stdout.indexOf('hello from install'),
    )
    expect(readFileSync(join(work, 'install.log'), 'utf8')).toContain('hello from install')
  })

  it('mk_build_dir makes the build directories under TMPDIR and removes them on exit', () => {
    const tmp = join(work, 'tmpdir')
    mkdirSync(tmp)
    const shell = bash(
      'source "$_LIB/common-functions"; mk_build_dir; echo "$TMP_BUILD_DIR $TMP_IMAGE_DIR $TMP_HOOKS_PATH"; test -d "$TMP_BUILD_DIR"',
      { TMPDIR: tmp, DIB_NO_TMPFS: '1' },
    )
    const [build, image, hooks] = shell.stdout.trim().split('\n').at(-1)?.split(' ') ?? []
    expect(shell.code).toBe(0)
    expect(build).toMatch(new RegExp(`^${tmp}/dib_build\\.\\w{8}$`))
    expect(image).toMatch(new RegExp(`^${tmp}/dib_image\\.\\w{8}$`))
    expect(hooks).toBe(`${build}/hooks`)
    expect(readdirSync(tmp)).toEqual([])
  })

  it('mount_proc_dev_sys mounts the kernel filesystems (sysfs read-only); unmount_image releases them, then EXTRA_DETACH and EXTRA_UNMOUNT', () => {
    const build = join(work, 'build')
    const mnt = join(build, 'mnt')
    for (const dir of ['proc', 'dev', 'sys', 'boot']) mkdirSync(join(mnt, dir), { recursive: true })
    const script = [
      'source "$_LIB/common-functions"; source "$_LIB/img-functions"',
      'mount -t tmpfs managed "$TMP_MOUNT_PATH/boot"',
      'mount_proc_dev_sys',
      'findmnt -n -o FSTYPE,OPTIONS "$TMP_MOUNT_PATH/sys" | grep -q "^sysfs *ro,"',
      'test -e "$TMP_MOUNT_PATH/dev/pts/ptmx"',
      'test -e "$TMP_MOUNT_PATH/proc/self"',
      'unmount_image',
      'findmnt -n -o TARGET -R "$TMP_MOUNT_PATH/boot"',
      'umount "$TMP_MOUNT_PATH/boot"',
    ].join('\n')
    const shell = bash(script, {
      TMP_BUILD_DIR: build,
      TMP_MOUNT_PATH: mnt,
      DIB_MOUNTPOINTS: '/|/boot',
      EXTRA_DETACH: 'echo detach-ran',
      EXTRA_UNMOUNT: 'echo unmount-ran',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    })
    expect(shell.stderr).toBe('')
    expect(shell.code).toBe(0)
    expect(shell.stdout).toContain('managed by block device; skipping')
    expect(shell.stdout).toMatch(/Unmount .*\/mnt\/sys[\s\S]*Unmount .*\/mnt\/proc/)
    expect(shell.stdout.indexOf('detach-ran')).toBeLessThan(shell.stdout.indexOf('unmount-ran'))
    expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })).not.toContain(
      mnt,
    )
  })
})

describe('house rules', () => {
  it('shellcheck finds nothing in the libraries and the host stand-ins', () => {
    const files = [
      ...readdirSync(LIB).map((name) => join(LIB, name)),
      ...readdirSync(join(REPO, 'libexec', 'host')).map((name) =>
        join(REPO, 'libexec', 'host', name),
      ),
    ]
    const result = spawnSync('shellcheck', ['-x', '-s', 'bash', ...files], { encoding: 'utf8' })
    expect(result.stdout).toBe('')
    expect(result.status).toBe(0)
  })
})
