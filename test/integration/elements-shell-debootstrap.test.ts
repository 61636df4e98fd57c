// debootstrap's root.d with stand-in bootstrap tools and a mirror of Release files on disk (no
// network): the release DIB_RELEASE resolves to, the arguments it passes, the cached tarball and
// when it is reused, and the configuration written into the new root.
import { execFileSync } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles } from '../helpers/element-tree.ts'
import { ELEMENTS, LIBEXEC, hookEnv, runOnHost } from './elements-shell-fixture.ts'

const ENV_FILES = [
  join(ELEMENTS, 'debootstrap/environment.d/10-debootstrap-defaults.bash'),
  join(ELEMENTS, 'debian-minimal/environment.d/10-debian-minimal.bash'),
]
const CREATE = join(ELEMENTS, 'debootstrap/root.d/08-debootstrap')
const CONFIGURE = join(ELEMENTS, 'debootstrap/root.d/10-debootstrap-configure')
const TARBALL = 'debootstrap-debian-trixie-amd64.tar.gz'

/** The head of a Release file as the archive writes it. */
const release = (suite: string, codename: string, date: string): string =>
  `Origin: Debian\nSuite: ${suite}\nCodename: ${codename}\nDate: ${date}\nMD5Sum:\n 0123 1 main/Contents-all\n`
const MIRROR_FILES = {
  'mirror/dists/stable/Release': release('stable', 'trixie', 'Sat, 21 Nov 2026 09:15:44 UTC'),
  'mirror/dists/trixie/Release': release('stable', 'trixie', 'Sat, 21 Nov 2026 09:15:44 UTC'),
  'mirror/dists/oldstable/Release': release(
    'oldstable',
    'bookworm',
    'Sat, 11 Jul 2026 10:16:37 UTC',
  ),
  'mirror/dists/bookworm/Release': release(
    'oldstable',
    'bookworm',
    'Sat, 11 Jul 2026 10:16:37 UTC',
  ),
  'mirror/dists/sid/Release': release('unstable', 'sid', 'Fri, 30 Oct 2026 08:08:01 UTC'),
  // The security suites on the same mirror (DIB_DEBIAN_SECURITY_MIRROR below): no network.
  'mirror/dists/trixie-updates/Release': release(
    'stable-updates',
    'trixie-updates',
    'Fri, 04 Dec 2026 20:00:00 UTC',
  ),
  'mirror/dists/trixie-security/Release': release(
    'stable-security',
    'trixie-security',
    'Sat, 05 Dec 2026 06:00:00 UTC',
  ),
  'mirror/dists/bookworm-updates/Release': release(
    'oldstable-updates',
    'bookworm-updates',
    'Fri, 04 Dec 2026 20:00:00 UTC',
  ),
  'mirror/dists/bookworm-security/Release': release(
    'oldstable-security',
    'bookworm-security',
    'Sat, 05 Dec 2026 06:00:00 UTC',
  ),
}

// Records its arguments, then makes a tiny root where a real tool would; FAKE_FAIL makes it fail
// after leaving a half-made root behind.
const FAKE_TOOL = `
echo "$*" >> "$CALLS"
if [ -n "\${LOCK_CHECK:-}" ] && ! flock -n "$LOCK_CHECK" true; then echo "the root cache is locked" >&2; exit 5; fi
positional=()
for arg in "$@"; do
    case "$arg" in
        --*) ;;
        *) positional+=("$arg") ;;
    esac
done
root=\${positional[1]}
mkdir -p "$root/etc"
echo "run $(wc -l < "$CALLS")" > "$root/etc/built-by"
echo "nameserver 192.0.2.1" > "$root/etc/resolv.conf"
echo buildhost > "$root/etc/hostname"
mkdir -p "$root/var/lib/apt/lists/partial"
touch "$root/var/lib/apt/lists/lock" "$root/var/lib/apt/lists/mirror_dists_trixie_InRelease"
if [ -n "\${FAKE_FAIL:-}" ]; then exit 3; fi
`

interface Setup {
  readonly dir: string
  readonly cache: string
  readonly calls: string
  run(target: string, extra?: Record<string, string>, script?: string): ReturnType<typeof runOnHost>
}

async function setup(): Promise<Setup> {
  const dir = await useTempDir('iw-debootstrap-')
  await writeFiles(dir, {
    'bin/mmdebstrap': script(FAKE_TOOL),
    'bin/debootstrap': script(FAKE_TOOL),
    // sourced after debian-minimal's file, as DIB's test elements do
    'late/10-set-release.bash':
      'if [ -n "${LATE_RELEASE:-}" ]; then export DIB_RELEASE=$LATE_RELEASE; fi\n',
    ...MIRROR_FILES,
  })
  const cache = join(dir, 'cache')
  const calls = join(dir, 'calls')
  const run = (target: string, extra: Record<string, string> = {}, hook = CREATE) => {
    const sources = [...ENV_FILES, join(dir, 'late/10-set-release.bash')]
      .map((file) => `source ${JSON.stringify(file)}`)
      .join('\n')
    const body = `set -eu\n${sources}\nexec ${JSON.stringify(hook)}`
    const env = hookEnv({
      PATH: `${join(dir, 'bin')}:${LIBEXEC}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
      DIB_DISTRIBUTION_MIRROR: `file://${dir}/mirror`,
      DIB_DEBIAN_SECURITY_MIRROR: `file://${dir}/mirror`,
      ARCH: 'amd64',
      TARGET_ROOT: target,
      DIB_IMAGE_CACHE: cache,
      CALLS: calls,
      ...extra,
    })
    return runOnHost(['bash', '-c', body], env)
  }
  return { dir, cache, calls, run }
}

async function calls(setup: Setup): Promise<string[]> {
  const text = await readFile(setup.calls, 'utf8').catch(() => '')
  return text.split('\n').filter((line) => line !== '')
}

describe('debootstrap root.d: creating the root', () => {
  it('bootstraps minbase from the release, updates and security suites and caches it', async () => {
    const s = await setup()
    const target = join(s.dir, 'root1')
    await writeFiles(s.dir, { 'keys/debian.gpg': 'key\n' })
    const result = await s.run(target, {
      DIB_APT_KEYRING: `${s.dir}/keys/debian.gpg`,
      DIB_DEBOOTSTRAP_EXTRA_ARGS: '--include=foo --foo',
    })
    expect(result.stderr).toContain('Creating the debian trixie root with mmdebstrap')
    expect(result.exitCode).toBe(0)
    const [call] = await calls(s)
    expect(call).toContain('--mode=root --variant=minbase --architectures=amd64 --components=main')
    // the suite stable resolves to, never the alias: the image stays on the release it got
    expect(call).toContain(`--keyring=${s.dir}/keys/debian.gpg --include=foo --foo trixie`)
    // a dropped connection to the mirror is retried, for the bootstrap only
    expect(call).toContain('--aptopt=Acquire::Retries "3"')
    // The package lists stay in the tree for pre-install.d's update; the tarball leaves them out.
    expect(call).toContain('--skip=cleanup/apt/lists')
    expect(call).toContain('--aptopt=Acquire::GzipIndexes "true"')
    await stat(join(target, 'var/lib/apt/lists/mirror_dists_trixie_InRelease'))
    const listed = execFileSync('tar', ['-tzf', join(s.cache, TARBALL)], { encoding: 'utf8' })
    expect(
      listed
        .split('\n')
        .filter((p) => p.includes('apt/lists'))
        .sort(),
    ).toEqual(['./var/lib/apt/lists/', './var/lib/apt/lists/lock', './var/lib/apt/lists/partial/'])
    expect(call).toContain(`deb file://${s.dir}/mirror trixie main`)
    expect(call).toContain(`deb file://${s.dir}/mirror trixie-updates main`)
    expect(call).toContain(`deb file://${s.dir}/mirror trixie-security main`)
    expect(await readFile(join(target, 'etc/built-by'), 'utf8')).toBe('run 1\n')
    expect((await stat(join(s.cache, TARBALL))).size).toBeGreaterThan(0)
    const settings = await readFile(join(s.cache, `${TARBALL}.settings`), 'utf8')
    expect(settings).toContain('release=trixie')
    // What the root was bootstrapped from, read before the bootstrap, for the step cache's key.
    expect(settings.split('\n').filter((line) => line.startsWith('package-index='))).toEqual([
      `package-index=file://${s.dir}/mirror trixie trixie Sat, 21 Nov 2026 09:15:44 UTC -`,
      `package-index=file://${s.dir}/mirror trixie-updates trixie-updates Fri, 04 Dec 2026 20:00:00 UTC -`,
      `package-index=file://${s.dir}/mirror trixie-security trixie-security Sat, 05 Dec 2026 06:00:00 UTC -`,
    ])
    // Nothing half-made stays in the cache.
    expect((await readdir(s.cache)).sort()).toEqual([
      '.debootstrap-debian-trixie-amd64.lock',
      'debian-release',
      TARBALL,
      `${TARBALL}.settings`,
    ])
  })

  it('reuses the cached root when asked to, and refreshes it otherwise', async () => {
    const s = await setup()
    expect((await s.run(join(s.dir, 'first'))).exitCode).toBe(0)
    // A newer security suite since: the tarball is still reused, as DIB does (the step cache
    // keys that root by the indexes it recorded, so it is never taken for a fresh one).
    await writeFiles(s.dir, {
      'mirror/dists/trixie-security/Release': release(
        'stable-security',
        'trixie-security',
        'Sun, 06 Dec 2026 06:00:00 UTC',
      ),
    })
    const reused = await s.run(join(s.dir, 'second'), { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' })
    expect(reused.stderr).toContain('Using the cached root')
    expect(await readFile(join(s.dir, 'second/etc/built-by'), 'utf8')).toBe('run 1\n')
    const offline = await s.run(join(s.dir, 'third'), { DIB_OFFLINE: '1' })
    expect(offline.exitCode).toBe(0)
    expect(await calls(s)).toHaveLength(1)
    expect((await s.run(join(s.dir, 'fourth'))).exitCode).toBe(0)
    expect(await calls(s)).toHaveLength(2)
    expect(await readFile(join(s.dir, 'fourth/etc/built-by'), 'utf8')).toBe('run 2\n')
  })

  it('does not hold the root cache lock while bootstrapping, so builds at once bootstrap at once', async () => {
    const s = await setup()
    const lock = join(s.cache, '.debootstrap-debian-trixie-amd64.lock')
    const result = await s.run(join(s.dir, 'root'), {
      DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
      LOCK_CHECK: lock,
    })
    expect(result.stderr).not.toContain('locked')
    expect(result.exitCode).toBe(0)
    expect((await stat(join(s.cache, TARBALL))).size).toBeGreaterThan(0)
  })

  it('does not reuse a root made with other settings, unless offline', async () => {
    const s = await setup()
    expect((await s.run(join(s.dir, 'first'))).exitCode).toBe(0)
    const other = { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1', DIB_DEBIAN_COMPONENTS: 'main,contrib' }
    const rebuilt = await s.run(join(s.dir, 'second'), other)
    expect(rebuilt.stderr).toContain('was made with other settings; creating a new root')
    expect((await calls(s))[1]).toContain('--components=main,contrib')
    expect((await calls(s))[1]).toContain(`deb file://${s.dir}/mirror trixie main contrib`)
    const offline = await s.run(join(s.dir, 'third'), { DIB_OFFLINE: '1' })
    expect(offline.stderr).toContain('offline build: reusing')
    expect(await calls(s)).toHaveLength(2)
  })

  it('does not reuse a root cached when the alias meant another release', async () => {
    const s = await setup()
    // the day before trixie's release: stable was bookworm
    await writeFiles(s.dir, {
      'mirror/dists/stable/Release': release('stable', 'bookworm', 'Sat, 14 Jun 2025 10:00:00 UTC'),
    })
    expect((await s.run(join(s.dir, 'before'))).exitCode).toBe(0)
    await writeFiles(s.dir, MIRROR_FILES)
    const after = await s.run(join(s.dir, 'after'), { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' })
    expect(after.stderr).toContain('Creating the debian trixie root')
    expect(await calls(s)).toHaveLength(2)
    // straight into the build's root: no tarball round trip when the tarball is not reused
    expect((await calls(s))[0]).toMatch(/ bookworm \S+\/before /)
    expect((await calls(s))[1]).toMatch(/ trixie \S+\/after /)
    expect((await readdir(s.cache)).filter((f) => f.endsWith('.tar.gz')).sort()).toEqual([
      'debootstrap-debian-bookworm-amd64.tar.gz',
      TARBALL,
    ])
  })

  it('falls back to debootstrap with the mirror as its only source', async () => {
    const s = await setup()
    const result = await s.run(join(s.dir, 'root'), { DIB_DEBOOTSTRAP_TOOL: 'debootstrap' })
    expect(result.exitCode).toBe(0)
    const [call] = await calls(s)
    expect(call).toMatch(
      /^--variant=minbase --arch=amd64 --components=main trixie \S+\/root file:\/\/\S+\/mirror$/,
    )
  })

  it('leaves no tarball, temporary file or work directory behind when the tool fails', async () => {
    const s = await setup()
    const result = await s.run(join(s.dir, 'root'), { FAKE_FAIL: '1' })
    expect(result.exitCode).toBe(3)
    expect((await readdir(s.cache)).sort()).toEqual(['debian-release'])
  })

  it("takes DIB's DIB_DEBIAN_KEYRING when DIB_APT_KEYRING is unset, and refuses a missing keyring", async () => {
    const s = await setup()
    await writeFiles(s.dir, { 'keys/mirror.gpg': 'key\n' })
    const debian = await s.run(join(s.dir, 'root'), {
      DIB_DEBIAN_KEYRING: `${s.dir}/keys/mirror.gpg`,
    })
    expect(debian.exitCode).toBe(0)
    expect((await calls(s))[0]).toContain(`--keyring=${s.dir}/keys/mirror.gpg `)
    const missing = await s.run(join(s.dir, 'other'), { DIB_APT_KEYRING: `${s.dir}/keys/no.gpg` })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toBe(
      `debootstrap: Cannot check file://${s.dir}/mirror: the keyring "${s.dir}/keys/no.gpg" (DIB_APT_KEYRING or DIB_DEBIAN_KEYRING) does not exist; give the absolute path of the keyring that signs the mirror`,
    )
    expect(await calls(s)).toHaveLength(1)
  })

  it("checks an Ubuntu root with ubuntu-keyring's keyring when the host has it and none is given", async () => {
    const s = await setup()
    // The host's /usr/share/keyrings, as a host with ubuntu-keyring installed has it, seen only
    // by this hook (a mount namespace of its own).
    await writeFiles(s.dir, {
      'keyrings/ubuntu-archive-keyring.gpg': 'key\n',
      'mirror/dists/noble/Release': release('noble', 'noble', 'Thu, 25 Apr 2024 15:10:33 UTC'),
      'bin/with-ubuntu-keyring': script(
        // DISTRO_NAME as ubuntu-common's environment.d file sets it, after debian-minimal's.
        `export DISTRO_NAME=\${AS_DISTRO:-$DISTRO_NAME}\nexec unshare --mount --propagation private bash -c 'mount --bind "$0" /usr/share/keyrings && exec "$1"' ${JSON.stringify(join(s.dir, 'keyrings'))} ${JSON.stringify(CREATE)}`,
      ),
    })
    const wrapper = join(s.dir, 'bin/with-ubuntu-keyring')
    const ubuntu = { AS_DISTRO: 'ubuntu', DIB_RELEASE: 'noble', DIB_UBUNTU_MIRROR_DISTS: '' }
    expect((await s.run(join(s.dir, 'ubuntu'), ubuntu, wrapper)).exitCode).toBe(0)
    expect((await s.run(join(s.dir, 'debian'), {}, wrapper)).exitCode).toBe(0)
    const given = { ...ubuntu, DIB_APT_KEYRING: join(s.dir, 'keyrings/ubuntu-archive-keyring.gpg') }
    expect((await s.run(join(s.dir, 'given'), given, wrapper)).exitCode).toBe(0)
    const [ubuntuCall, debianCall, givenCall] = await calls(s)
    expect(ubuntuCall).toContain(' --keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg ')
    expect(debianCall).not.toContain('--keyring')
    expect(givenCall).toContain(` --keyring=${s.dir}/keyrings/ubuntu-archive-keyring.gpg `)
  })

  it('rejects an unknown tool', async () => {
    const s = await setup()
    const result = await s.run(join(s.dir, 'root'), { DIB_DEBOOTSTRAP_TOOL: 'cdebootstrap' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain(
      'DIB_DEBOOTSTRAP_TOOL="cdebootstrap" must be mmdebstrap or debootstrap',
    )
  })
})

describe('debootstrap root.d: configuring the root', () => {
  async function configured(
    extra: Record<string, string> = {},
  ): Promise<{ root: string; stderr: string; exitCode: number; mirror: string }> {
    const s = await setup()
    const root = join(s.dir, 'root')
    await writeFiles(root, {
      'etc/resolv.conf': 'nameserver 192.0.2.1\n',
      'etc/apt/sources.list': 'old\n',
    })
    const result = await s.run(root, extra, CONFIGURE)
    return {
      root,
      stderr: result.stderr,
      exitCode: result.exitCode,
      mirror: `file://${s.dir}/mirror`,
    }
  }

  const read = (root: string, path: string) => readFile(join(root, path), 'utf8')

  it('writes one apt source file per entry, for the codename DIB_RELEASE names', async () => {
    // the default security mirror (the fixture points it at the local mirror)
    const { root, exitCode, mirror } = await configured({ DIB_DEBIAN_SECURITY_MIRROR: '' })
    expect(exitCode).toBe(0)
    expect(await read(root, 'etc/apt/sources.list.d/default.list')).toBe(
      `deb ${mirror} trixie main\n`,
    )
    expect(await read(root, 'etc/apt/sources.list.d/updates.list')).toBe(
      `deb ${mirror} trixie-updates main\n`,
    )
    expect(await read(root, 'etc/apt/sources.list.d/security.list')).toBe(
      'deb http://deb.debian.org/debian-security trixie-security main\n',
    )
    expect(await read(root, 'etc/apt/sources.list')).toMatch(/^#/)
  })

  it('computes the sources from DIB_RELEASE as the last environment.d file left it', async () => {
    const { root, exitCode, mirror } = await configured({ LATE_RELEASE: 'sid' })
    expect(exitCode).toBe(0)
    expect(await readdir(join(root, 'etc/apt/sources.list.d'))).toEqual(['default.list'])
    expect(await read(root, 'etc/apt/sources.list.d/default.list')).toBe(`deb ${mirror} sid main\n`)
  })

  it('records the release in the manifest directory when the manifests element is there', async () => {
    const { root } = await configured({ DIB_MANIFEST_IMAGE_DIR: '/etc/dib-manifests' })
    const record = await read(root, 'etc/dib-manifests/debian-release')
    expect(record).toContain('requested=stable\ncodename=trixie\nsuite=stable\n')
    expect(record).toContain('release-date=Sat, 21 Nov 2026 09:15:44 UTC\n')
    const without = await configured()
    await expect(stat(join(without.root, 'etc/dib-manifests'))).rejects.toThrow()
  })

  it('has no updates or security suites for sid, and honours the mirror settings', async () => {
    const s = await setup()
    const root = join(s.dir, 'root')
    const result = await s.run(
      root,
      {
        DIB_RELEASE: 'sid',
        DIB_DISTRIBUTION_MIRROR: 'http://unused.test/debian',
        DIB_DEBIAN_DISTRIBUTION_MIRROR: `file://${s.dir}/mirror/`,
      },
      CONFIGURE,
    )
    expect(result.stderr).toBe('')
    expect(await readdir(join(root, 'etc/apt/sources.list.d'))).toEqual(['default.list'])
    expect(await read(root, 'etc/apt/sources.list.d/default.list')).toBe(
      `deb file://${s.dir}/mirror sid main\n`,
    )
  })

  it('refuses a release the mirror does not have, naming the suites it has', async () => {
    const { exitCode, stderr } = await configured({ DIB_RELEASE: 'nosuch' })
    expect(exitCode).toBe(3)
    expect(stderr).toMatch(
      /^debian-release: DIB_RELEASE="nosuch" is not a suite of file:\S+\/mirror; it offers oldstable \(bookworm\), stable \(trixie\)\n/,
    )
  })

  it('puts bare source lines into sources.list', async () => {
    const { root } = await configured({
      DIB_APT_SOURCES_CONF:
        'deb http://local.test/debian bookworm main\n\nlocal:deb http://local.test/extra bookworm main',
    })
    expect(await read(root, 'etc/apt/sources.list')).toContain(
      'deb http://local.test/debian bookworm main\n',
    )
    expect(await read(root, 'etc/apt/sources.list.d/local.list')).toBe(
      'deb http://local.test/extra bookworm main\n',
    )
  })

  it('writes locale, host name, hosts, no-recommends, and drops the host resolver', async () => {
    const { root } = await configured()
    expect(await read(root, 'etc/default/locale')).toBe('LANG=C.UTF-8\n')
    expect(await read(root, 'etc/hostname')).toBe('debian\n')
    expect(await read(root, 'etc/hosts')).toContain('127.0.1.1 debian\n')
    expect(await read(root, 'etc/apt/apt.conf.d/95no-recommends')).toContain(
      'APT::Install-Recommends "false";',
    )
    await expect(stat(join(root, 'etc/resolv.conf'))).rejects.toThrow()
  })

  it("makes the image's apt trust the keyring the root was bootstrapped with", async () => {
    const s = await setup()
    const armoured =
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n'
    await writeFiles(s.dir, {
      'keys/mirror.gpg': 'binary\n',
      'keys/dir/one.asc': armoured,
      'keys/dir/two.gpg': 'binary two\n',
      'keys/dir/README': 'not a key\n',
    })
    const file = join(s.dir, 'file-root')
    expect(
      (await s.run(file, { DIB_APT_KEYRING: `${s.dir}/keys/mirror.gpg` }, CONFIGURE)).exitCode,
    ).toBe(0)
    expect(await readdir(join(file, 'etc/apt/trusted.gpg.d'))).toEqual(['imagewright-mirror.gpg'])
    expect(await read(file, 'etc/apt/trusted.gpg.d/imagewright-mirror.gpg')).toBe('binary\n')
    const dir = join(s.dir, 'dir-root')
    expect(
      (await s.run(dir, { DIB_DEBIAN_KEYRING: `${s.dir}/keys/dir` }, CONFIGURE)).exitCode,
    ).toBe(0)
    expect((await readdir(join(dir, 'etc/apt/trusted.gpg.d'))).sort()).toEqual([
      'imagewright-one.asc',
      'imagewright-two.gpg',
    ])
    const none = await configured()
    await expect(stat(join(none.root, 'etc/apt/trusted.gpg.d'))).rejects.toThrow()
  })

  it('configures DHCP on every wired interface by pattern', async () => {
    const { root } = await configured()
    expect(await read(root, 'etc/network/interfaces')).toContain(
      'source /etc/network/interfaces.d/*',
    )
    const dhcp = await read(root, 'etc/network/interfaces.d/dhcp')
    expect(dhcp).toContain('auto /en*=wired /eth*=wired\niface wired inet dhcp\n')
  })

  it('configures named interfaces, or none', async () => {
    const named = await configured({ DIB_NETWORK_INTERFACE_NAMES: 'eth0 ens3' })
    expect(await read(named.root, 'etc/network/interfaces.d/dhcp')).toContain(
      'auto eth0\niface eth0 inet dhcp\nauto ens3\niface ens3 inet dhcp\n',
    )
    const none = await configured({ DIB_APT_MINIMAL_CREATE_INTERFACES: '0' })
    await expect(stat(join(none.root, 'etc/network'))).rejects.toThrow()
  })
})
