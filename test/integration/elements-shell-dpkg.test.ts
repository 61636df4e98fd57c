// The dpkg element in a host-os chroot with stand-in apt-get/dpkg-query: install-packages'
// apt calls, lock retries and mapping; build-time apt settings and cleanup; apt keys; the .deb
// cache; where the manifest goes; and the deferred initramfs build.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles } from '../helpers/element-tree.ts'
import {
  ELEMENTS,
  hookEnv,
  makeHostOsRoot,
  placeHooks,
  runInRoot,
  runOnHost,
} from './elements-shell-fixture.ts'

const IN_TARGET = '/tmp/in_target.d'
const INSTALL_PACKAGES = `${IN_TARGET}/bin/install-packages`

// Logs "frontend|args"; /var/lib/fake-apt/locked holds how many more calls fail on the lock,
// /var/lib/fake-apt/fail makes every call fail another way.
const FAKE_APT_GET = `
echo "$DEBIAN_FRONTEND|$*" >> /var/log/apt-calls
state=/var/lib/fake-apt
if [ -f $state/locked ] && [ "$(cat $state/locked)" -gt 0 ]; then
    echo $(( $(cat $state/locked) - 1 )) > $state/locked
    echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1 (apt-get)" >&2
    exit 100
fi
if [ -f $state/fail ]; then
    echo "E: Unable to locate package nope" >&2
    exit 100
fi
for arg in "$@"; do
    if [ "$arg" = update ]; then
        mkdir -p /var/lib/apt/lists
        touch /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4
    fi
done
`

// Installed packages are listed in /var/lib/fake-apt/installed.
const FAKE_DPKG_QUERY = `
package=\${@: -1}
case "$*" in
    *Status-Status*)
        grep -qx "$package" /var/lib/fake-apt/installed 2> /dev/null || exit 1
        printf installed
        ;;
    *)
        printf 'zlib1g 1:1.2.13\\nbash 5.2.15-2\\n'
        ;;
esac
`

async function dpkgRoot(): Promise<string> {
  const root = await makeHostOsRoot()
  await placeHooks(root, { bin: 'dpkg/bin' })
  await writeFiles(root, {
    'usr/bin/apt-get': script(FAKE_APT_GET),
    'usr/bin/dpkg-query': script(FAKE_DPKG_QUERY),
    'var/lib/fake-apt/installed': 'installed-pkg\n',
  })
  return root
}

async function aptCalls(root: string): Promise<string[]> {
  const text = await readFile(join(root, 'var/log/apt-calls'), 'utf8').catch(() => '')
  return text.split('\n').filter((line) => line !== '')
}

const OPTIONS =
  '-y -q -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef -o DPkg::Lock::Timeout=120'

describe('dpkg install-packages', () => {
  it('fetches missing lists, then installs without questions', async () => {
    const root = await dpkgRoot()
    expect((await runInRoot(root, [INSTALL_PACKAGES, 'vim', 'curl'])).exitCode).toBe(0)
    expect((await runInRoot(root, [INSTALL_PACKAGES, 'less'])).exitCode).toBe(0)
    expect(await aptCalls(root)).toEqual([
      `noninteractive|${OPTIONS} update`,
      `noninteractive|${OPTIONS} install vim curl`,
      `noninteractive|${OPTIONS} install less`,
    ])
  })

  it('-u refreshes the lists and upgrades everything', async () => {
    const root = await dpkgRoot()
    expect((await runInRoot(root, [INSTALL_PACKAGES, '-u'])).exitCode).toBe(0)
    expect(await aptCalls(root)).toEqual([
      `noninteractive|${OPTIONS} update`,
      `noninteractive|${OPTIONS} dist-upgrade`,
    ])
  })

  it('-e purges what is installed, then removes unneeded dependencies', async () => {
    const root = await dpkgRoot()
    const result = await runInRoot(root, [INSTALL_PACKAGES, '-e', 'installed-pkg', 'absent-pkg'])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toContain('"absent-pkg" is not installed; nothing to remove')
    expect(await aptCalls(root)).toEqual([
      `noninteractive|${OPTIONS} purge installed-pkg`,
      `noninteractive|${OPTIONS} autoremove --purge`,
    ])
    expect((await runInRoot(root, [INSTALL_PACKAGES, '-e', 'absent-pkg'])).exitCode).toBe(0)
    expect(await aptCalls(root)).toHaveLength(2)
  })

  it('retries while apt is locked, and gives up after DIB_APT_LOCK_ATTEMPTS', async () => {
    const root = await dpkgRoot()
    const fast = { DIB_APT_LOCK_WAIT_SECONDS: '0', DIB_APT_LOCK_ATTEMPTS: '3' }
    await writeFiles(root, { 'var/lib/apt/lists/x_Packages': '', 'var/lib/fake-apt/locked': '2\n' })
    const retried = await runInRoot(root, [INSTALL_PACKAGES, 'vim'], fast)
    expect(retried.exitCode).toBe(0)
    expect(retried.stderr).toContain('apt is locked by another process; retrying')
    expect(await aptCalls(root)).toHaveLength(3)
    await writeFiles(root, { 'var/lib/fake-apt/locked': '9\n' })
    const failed = await runInRoot(root, [INSTALL_PACKAGES, 'vim'], fast)
    expect(failed.exitCode).toBe(100)
    expect(await aptCalls(root)).toHaveLength(6)
  })

  it('does not retry other failures', async () => {
    const root = await dpkgRoot()
    await writeFiles(root, { 'var/lib/apt/lists/x_Packages': '', 'var/lib/fake-apt/fail': '' })
    const result = await runInRoot(root, [INSTALL_PACKAGES, 'nope'], {
      DIB_APT_LOCK_WAIT_SECONDS: '0',
    })
    expect(result.exitCode).toBe(100)
    expect(await aptCalls(root)).toHaveLength(1)
  })

  it('-m maps names through pkg-map, passing unmapped names through', async () => {
    const root = await dpkgRoot()
    await writeFiles(root, {
      'var/lib/apt/lists/x_Packages': '',
      'usr/local/bin/pkg-map': script(
        '[ "$*" = "--element web --missing-ok httpd tools" ] || { echo "bad args: $*" >&2; exit 9; }\necho apache2\necho "tool-a tool-b"',
      ),
    })
    const result = await runInRoot(root, [INSTALL_PACKAGES, '-m', 'web', 'httpd', 'tools'])
    expect(result.stderr).not.toContain('bad args')
    expect(result.exitCode).toBe(0)
    expect(await aptCalls(root)).toEqual([
      `noninteractive|${OPTIONS} install apache2 tool-a tool-b`,
    ])
  })

  it.each([[['-u', 'vim']], [['-x']], [['-m']], [['-u', '-e']]])('rejects %j', async (args) => {
    const root = await dpkgRoot()
    const result = await runInRoot(root, [INSTALL_PACKAGES, ...args])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Usage: install-packages')
    expect(await aptCalls(root)).toEqual([])
  })

  it('does nothing without packages', async () => {
    const root = await dpkgRoot()
    expect((await runInRoot(root, [INSTALL_PACKAGES])).exitCode).toBe(0)
    expect(await aptCalls(root)).toEqual([])
  })
})

describe('dpkg build-time settings and cleanup', () => {
  it('pre-install writes build-only apt settings that cleanup removes with the lists and archives', async () => {
    const root = await dpkgRoot()
    await placeHooks(root, { 'pre-install.d': 'dpkg/pre-install.d' })
    expect(
      (await runInRoot(root, [`${IN_TARGET}/pre-install.d/00-dpkg-build-config`])).exitCode,
    ).toBe(0)
    const conf = await readFile(join(root, 'etc/apt/apt.conf.d/00imagewright-build'), 'utf8')
    expect(conf).toContain('Acquire::Languages "none";')
    expect(conf).toContain('DPkg::Options:: "--force-unsafe-io";')
    await writeFiles(root, {
      'var/lib/apt/lists/lock': '',
      'var/lib/apt/lists/x_Packages.lz4': 'x',
      'var/lib/apt/lists/partial/y': 'y',
      'var/cache/apt/pkgcache.bin': 'x',
      'var/cache/apt/archives/a_1_amd64.deb': 'x',
      'var/cache/apt/archives/lock': '',
    })
    const cleanup = join(ELEMENTS, 'dpkg/cleanup.d/50-dpkg-cleanup')
    expect((await runOnHost([cleanup], hookEnv({ TARGET_ROOT: root }))).exitCode).toBe(0)
    await expect(stat(join(root, 'etc/apt/apt.conf.d/00imagewright-build'))).rejects.toThrow()
    expect((await readdir(join(root, 'var/lib/apt/lists'))).sort()).toEqual(['lock', 'partial'])
    expect(await readdir(join(root, 'var/lib/apt/lists/partial'))).toEqual([])
    expect((await readdir(join(root, 'var/cache/apt'))).sort()).toEqual(['archives'])
    expect(await readdir(join(root, 'var/cache/apt/archives'))).toEqual(['lock'])
  })

  it('keeps lists and archives with DIB_DISABLE_APT_CLEANUP=1, but not the build settings', async () => {
    const root = await useTempDir('iw-dpkg-')
    await writeFiles(root, {
      'etc/apt/apt.conf.d/00imagewright-build': 'x',
      'var/lib/apt/lists/x_Packages': 'x',
      'var/cache/apt/archives/a_1_amd64.deb': 'x',
    })
    const cleanup = join(ELEMENTS, 'dpkg/cleanup.d/50-dpkg-cleanup')
    const env = hookEnv({ TARGET_ROOT: root, DIB_DISABLE_APT_CLEANUP: '1' })
    expect((await runOnHost([cleanup], env)).exitCode).toBe(0)
    await expect(stat(join(root, 'etc/apt/apt.conf.d/00imagewright-build'))).rejects.toThrow()
    expect(await readdir(join(root, 'var/lib/apt/lists'))).toEqual(['x_Packages'])
    expect(await readdir(join(root, 'var/cache/apt/archives'))).toEqual(['a_1_amd64.deb'])
  })
})

describe('dpkg apt keys', () => {
  const ADD_KEYS = join(ELEMENTS, 'dpkg/extra-data.d/20-dpkg-apt-keys')

  it('installs armoured keys as .asc and binary ones as .gpg', async () => {
    const dir = await useTempDir('iw-dpkg-')
    await writeFiles(dir, {
      'keys/vendor.key':
        '-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n',
      'keys/other.gpg': '\u0099\u0001binary',
    })
    const env = hookEnv({ TMP_MOUNT_PATH: join(dir, 'root'), DIB_ADD_APT_KEYS: join(dir, 'keys') })
    expect((await runOnHost([ADD_KEYS], env)).exitCode).toBe(0)
    expect((await readdir(join(dir, 'root/etc/apt/trusted.gpg.d'))).sort()).toEqual([
      'imagewright-other.gpg',
      'imagewright-vendor.asc',
    ])
  })

  it('fails on a missing key directory and does nothing when unset', async () => {
    const dir = await useTempDir('iw-dpkg-')
    const missing = await runOnHost(
      [ADD_KEYS],
      hookEnv({ TMP_MOUNT_PATH: dir, DIB_ADD_APT_KEYS: join(dir, 'nope') }),
    )
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('is not a directory')
    expect((await runOnHost([ADD_KEYS], hookEnv({ TMP_MOUNT_PATH: dir }))).exitCode).toBe(0)
  })
})

describe('dpkg .deb cache', () => {
  const SAVE = join(ELEMENTS, 'dpkg/post-root.d/50-dpkg-save-apt-cache')
  const SEED = join(ELEMENTS, 'dpkg/extra-data.d/21-dpkg-seed-apt-cache')

  it('saves downloaded packages for the next build and seeds them into it', async () => {
    const dir = await useTempDir('iw-dpkg-')
    const cache = join(dir, 'cache')
    await writeFiles(dir, {
      'first/var/cache/apt/archives/a_1_amd64.deb': 'a',
      'first/var/cache/apt/archives/partial/b_1_amd64.deb': 'half',
      'first/var/cache/apt/archives/lock': '',
    })
    const env = (root: string, extra: Record<string, string> = {}) =>
      hookEnv({
        TMP_MOUNT_PATH: join(dir, root),
        DIB_IMAGE_CACHE: cache,
        DISTRO_NAME: 'debian',
        ...extra,
      })
    expect((await runOnHost([SAVE], env('first'))).exitCode).toBe(0)
    expect(await readdir(join(cache, 'apt/debian'))).toEqual(
      expect.arrayContaining(['a_1_amd64.deb']),
    )
    expect(await readdir(join(cache, 'apt/debian'))).not.toContain('b_1_amd64.deb')
    // Not copied into the image.
    expect(await readdir(join(dir, 'first/var/cache/apt/archives'))).toEqual(['lock', 'partial'])
    expect((await runOnHost([SEED], env('second'))).exitCode).toBe(0)
    expect(await readFile(join(dir, 'second/var/cache/apt/archives/a_1_amd64.deb'), 'utf8')).toBe(
      'a',
    )
    await writeFiles(dir, { 'third/var/cache/apt/archives/.keep': '' })
    expect((await runOnHost([SEED], env('third', { DIB_APT_LOCAL_CACHE: '0' }))).exitCode).toBe(0)
    expect(await readdir(join(dir, 'third/var/cache/apt/archives'))).toEqual(['.keep'])
  })

  it('keeps the packages in the tree with DIB_DISABLE_APT_CLEANUP=1 and skips the cache when disabled', async () => {
    const dir = await useTempDir('iw-dpkg-')
    await writeFiles(dir, { 'root/var/cache/apt/archives/a_1_amd64.deb': 'a' })
    const env = hookEnv({
      TMP_MOUNT_PATH: join(dir, 'root'),
      DIB_IMAGE_CACHE: join(dir, 'cache'),
      DISTRO_NAME: 'debian',
      DIB_APT_LOCAL_CACHE: '0',
      DIB_DISABLE_APT_CLEANUP: '1',
    })
    expect((await runOnHost([SAVE], env)).exitCode).toBe(0)
    expect(await readdir(join(dir, 'root/var/cache/apt/archives'))).toEqual(['a_1_amd64.deb'])
    await expect(stat(join(dir, 'cache'))).rejects.toThrow()
  })
})

describe('dpkg manifest', () => {
  // The JSON content is checked against a real dpkg database in elements-shell-seed-scripts.
  it('writes nothing when DIB_MANIFEST_IMAGE_DIR is unset, else a file named after the image', async () => {
    const root = await dpkgRoot()
    await placeHooks(root, { 'finalise.d': 'dpkg/finalise.d' })
    const manifest = `${IN_TARGET}/finalise.d/99-dpkg-manifest`
    expect((await runInRoot(root, [manifest], { IMAGE_NAME: 'x' })).exitCode).toBe(0)
    await expect(stat(join(root, 'etc/dib-manifests'))).rejects.toThrow()
    const env = { DIB_MANIFEST_IMAGE_DIR: '/etc/dib-manifests', IMAGE_NAME: '/out/images/debian' }
    expect((await runInRoot(root, [manifest], env)).exitCode).toBe(0)
    const text = await readFile(join(root, 'etc/dib-manifests/dib-manifest-dpkg-debian'), 'utf8')
    expect(JSON.parse(text)).toHaveProperty('packages')
  })
})

describe('dpkg deferred initramfs', () => {
  async function initramfsRoot(): Promise<string> {
    const root = await makeHostOsRoot({ HOST_OS_EXTRA_TOOLS: 'dpkg-divert' })
    await placeHooks(root, {
      'pre-install.d': 'dpkg/pre-install.d',
      'post-install.d': 'dpkg/post-install.d',
    })
    await writeFiles(root, {
      'var/lib/dpkg/status': '',
      'usr/sbin/update-initramfs': script('echo "$*" >> /var/log/initramfs-calls'),
    })
    return root
  }

  const calls = async (root: string) =>
    (await readFile(join(root, 'var/log/initramfs-calls'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)

  it('records requests during the build and builds each kernel once at the end', async () => {
    const root = await initramfsRoot()
    expect(
      (await runInRoot(root, [`${IN_TARGET}/pre-install.d/03-dpkg-defer-initramfs`])).exitCode,
    ).toBe(0)
    for (const args of [['-c', '-k', '1.0'], ['-u']]) {
      const stub = await runInRoot(root, ['update-initramfs', ...args])
      expect(stub.stdout).toContain('deferred')
    }
    expect(await calls(root)).toEqual([])
    await writeFiles(root, {
      'boot/vmlinuz-1.0': '',
      'boot/vmlinuz-2.0': '',
      'boot/initrd.img-2.0': '',
      'boot/initrd.img-0.9': '',
    })
    const finish = await runInRoot(root, [`${IN_TARGET}/post-install.d/98-dpkg-initramfs`])
    expect(finish.stderr).toBe('')
    expect(finish.exitCode).toBe(0)
    expect(await calls(root)).toEqual(['-d -k 0.9', '-c -k 1.0', '-u -k 2.0'])
    expect((await runInRoot(root, ['dpkg-divert', '--list'])).stdout).toBe('')
    expect(await readFile(join(root, 'usr/sbin/update-initramfs'), 'utf8')).toContain(
      'initramfs-calls',
    )
    await expect(stat(join(root, 'usr/sbin/update-initramfs.imagewright-real'))).rejects.toThrow()
  })

  it('builds nothing when nobody asked, and stays out of the way when disabled', async () => {
    const root = await initramfsRoot()
    await writeFiles(root, { 'boot/vmlinuz-1.0': '' })
    expect(
      (await runInRoot(root, [`${IN_TARGET}/pre-install.d/03-dpkg-defer-initramfs`])).exitCode,
    ).toBe(0)
    expect(
      (await runInRoot(root, [`${IN_TARGET}/post-install.d/98-dpkg-initramfs`])).exitCode,
    ).toBe(0)
    expect(await calls(root)).toEqual([])
    const disabled = await initramfsRoot()
    const env = { DIB_DPKG_DEFER_INITRAMFS: '0' }
    expect(
      (await runInRoot(disabled, [`${IN_TARGET}/pre-install.d/03-dpkg-defer-initramfs`], env))
        .exitCode,
    ).toBe(0)
    expect((await runInRoot(disabled, ['update-initramfs', '-u'])).exitCode).toBe(0)
    expect(await calls(disabled)).toEqual(['-u'])
  })
})
