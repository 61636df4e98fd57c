// The ubuntu element's scripts on small stand-ins: root.d/10-cache-ubuntu-tarball against a
// cloud-image site on 127.0.0.1 (a squashfs and a root tarball with SHA256SUMS beside them),
// judged by the server's request log, the cache and the unpacked root; pre-install.d's mirror
// rewrite in a host-os chroot.
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tmpdir } from 'node:os'
import { startStaticServer, writeSha256Sums, type StaticServer } from '../helpers/static-server.ts'
import {
  ELEMENTS,
  hookEnv,
  makeHostOsRoot,
  runInRoot,
  runOnHost,
} from './elements-shell-fixture.ts'

const ROOT_D = join(ELEMENTS, 'ubuntu/root.d/10-cache-ubuntu-tarball')
const SQUASHFS = 'noble-server-cloudimg-amd64.squashfs'
const TARBALL = 'noble-server-cloudimg-amd64-root.tar.xz'

let dir: string
let site: string
let server: StaticServer

/** A tiny root as the image holds it. */
function makeImage(label: string): void {
  const tree = join(dir, `tree-${label}`)
  rmSync(tree, { recursive: true, force: true })
  mkdirSync(join(tree, 'etc'), { recursive: true })
  writeFileSync(join(tree, 'etc/os-release'), `ID=ubuntu\nVERSION_CODENAME=noble\nBUILD=${label}\n`)
  rmSync(join(site, SQUASHFS), { force: true })
  execFileSync('mksquashfs', [tree, join(site, SQUASHFS), '-quiet', '-noappend', '-no-progress'])
  execFileSync('tar', ['-C', tree, '-cJf', join(site, TARBALL), '.'])
  writeSha256Sums(site)
  // Newer than any copy cached before, to the second the server compares.
  const later = new Date(Date.now() + 2000)
  for (const name of [SQUASHFS, TARBALL, 'SHA256SUMS']) utimesSync(join(site, name), later, later)
}

async function runRootD(
  cache: string,
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; target: string; requests: string[] }> {
  const target = join(dir, `target-${Math.random().toString(36).slice(2)}`)
  mkdirSync(target)
  const before = server.requests.length
  const result = await runOnHost(
    [ROOT_D],
    hookEnv({
      TARGET_ROOT: target,
      DIB_IMAGE_CACHE: cache,
      TMP_HOOKS_PATH: join(ELEMENTS, 'cache-url'),
      ARCH: 'amd64',
      DIB_RELEASE: 'noble',
      DIB_CLOUD_IMAGES: `${server.url}/noble/current`,
      ...extra,
    }),
  )
  return {
    code: result.exitCode,
    stderr: result.stderr,
    target,
    requests: server.requests.slice(before),
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iw-ubuntu-'))
  site = join(dir, 'site/noble/current')
  mkdirSync(site, { recursive: true })
  makeImage('one')
  server = await startStaticServer(join(dir, 'site'))
})
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('ubuntu root.d: the cloud image', () => {
  it('downloads, verifies and unpacks it; a second build asks only whether SHA256SUMS changed', async () => {
    const cache = join(dir, 'cache-a')
    const first = await runRootD(cache)
    expect(first.stderr).toContain('unpacking noble-server-cloudimg-amd64.squashfs')
    expect(first.code).toBe(0)
    expect(first.requests).toEqual([
      'GET /noble/current/SHA256SUMS 200',
      `GET /noble/current/${SQUASHFS} 200`,
    ])
    expect(readFileSync(join(first.target, 'etc/os-release'), 'utf8')).toContain('BUILD=one')
    const digest = readFileSync(join(site, 'SHA256SUMS'), 'utf8')
      .split('\n')
      .find((line) => line.endsWith(SQUASHFS))
      ?.split(' ')[0]
    expect(readFileSync(join(cache, `${SQUASHFS}.sha256`), 'utf8')).toBe(`${digest}  ${SQUASHFS}\n`)
    expect(existsSync(join(cache, 'SHA256SUMS.ubuntu.noble.amd64'))).toBe(true)

    const second = await runRootD(cache)
    expect(second.code).toBe(0)
    expect(second.requests).toEqual(['GET /noble/current/SHA256SUMS 304'])
    expect(readFileSync(join(second.target, 'etc/os-release'), 'utf8')).toContain('BUILD=one')

    // Offline: the cached copy, and no request at all.
    const offline = await runRootD(cache, { DIB_OFFLINE: '1' })
    expect(offline.code).toBe(0)
    expect(offline.requests).toEqual([])
    expect(offline.stderr).toContain('offline: using the cached')
    expect(readFileSync(join(offline.target, 'etc/os-release'), 'utf8')).toContain('BUILD=one')

    // A new image upstream: its new checksum makes the build download it again.
    makeImage('two')
    const third = await runRootD(cache)
    expect(third.code).toBe(0)
    expect(third.requests).toEqual([
      'GET /noble/current/SHA256SUMS 200',
      `GET /noble/current/${SQUASHFS} 200`,
    ])
    expect(readFileSync(join(third.target, 'etc/os-release'), 'utf8')).toContain('BUILD=two')
  })

  it('refuses an image whose checksum differs from SHA256SUMS: one line, the cache and the root untouched', async () => {
    const cache = join(dir, 'cache-b')
    const sums = readFileSync(join(site, 'SHA256SUMS'), 'utf8')
    const good =
      sums
        .split('\n')
        .find((line) => line.endsWith(SQUASHFS))
        ?.split(' ')[0] ?? ''
    const bad = 'f'.repeat(64)
    writeFileSync(join(site, 'SHA256SUMS'), sums.replace(good, bad))
    try {
      const result = await runRootD(cache)
      expect(result.code).not.toBe(0)
      const last = result.stderr.trim().split('\n').at(-1)
      expect(last).toBe(
        `cache-url: ${SQUASHFS} has SHA-256 ${good}, not the expected ${bad} (${server.url}/noble/current/${SQUASHFS}): refused, ${join(cache, SQUASHFS)} is unchanged`,
      )
      expect(existsSync(join(cache, SQUASHFS))).toBe(false)
      expect(execFileSync('ls', ['-A', result.target], { encoding: 'utf8' })).toBe('')
    } finally {
      writeFileSync(join(site, 'SHA256SUMS'), sums)
    }
  })

  it('offline with nothing cached: a clear error and no request', async () => {
    const result = await runRootD(join(dir, 'cache-c'), { DIB_OFFLINE: '1' })
    expect(result.code).not.toBe(0)
    expect(result.requests).toEqual([])
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      `ubuntu: DIB_OFFLINE is set and ${join(dir, 'cache-c', SQUASHFS)} is not cached: build once online, or set DIB_LOCAL_IMAGE`,
    )
  })

  it('unpacks a root tarball named by BASE_IMAGE_FILE, owners kept', async () => {
    const result = await runRootD(join(dir, 'cache-d'), { BASE_IMAGE_FILE: TARBALL })
    expect(result.code).toBe(0)
    expect(result.requests).toEqual([
      'GET /noble/current/SHA256SUMS 200',
      `GET /noble/current/${TARBALL} 200`,
    ])
    expect(readFileSync(join(result.target, 'etc/os-release'), 'utf8')).toContain('ID=ubuntu')
  })
})

describe('ubuntu pre-install.d: the apt sources', () => {
  it("points Ubuntu's archives at DIB_DISTRIBUTION_MIRROR in .list and deb822 files, except ignored lines", async () => {
    const root = await makeHostOsRoot()
    mkdirSync(join(root, 'etc/apt/sources.list.d'), { recursive: true })
    writeFileSync(
      join(root, 'etc/apt/sources.list'),
      'deb http://archive.ubuntu.com/ubuntu jammy main\ndeb http://archive.ubuntu.com/ubuntu jammy universe\n',
    )
    writeFileSync(
      join(root, 'etc/apt/sources.list.d/ubuntu.sources'),
      'Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates\nComponents: main\n\nTypes: deb\nURIs: http://security.ubuntu.com/ubuntu/\nSuites: noble-security\nComponents: main\n',
    )
    writeFileSync(
      join(root, 'etc/apt/sources.list.d/other.list'),
      'deb http://example.org/x stable main\n',
    )
    mkdirSync(join(root, 'tmp/hooks'), { recursive: true })
    execFileSync('cp', [
      join(ELEMENTS, 'ubuntu/pre-install.d/01-set-ubuntu-mirror'),
      join(root, 'tmp/hooks/'),
    ])
    const result = await runInRoot(root, ['/tmp/hooks/01-set-ubuntu-mirror'], {
      DIB_DISTRIBUTION_MIRROR: 'http://mirror.example/ubuntu&co/',
      DIB_UBUNTU_DEFAULT_MIRROR: 'http://archive.ubuntu.com/ubuntu',
      DIB_DISTRIBUTION_MIRROR_UBUNTU_IGNORE: 'universe',
      DIB_DISTRIBUTION_MIRROR_UBUNTU_INSECURE: '1',
    })
    expect(result.stderr).toContain('apt sources now use http://mirror.example/ubuntu&co')
    expect(result.exitCode).toBe(0)
    expect(readFileSync(join(root, 'etc/apt/sources.list'), 'utf8')).toBe(
      'deb http://mirror.example/ubuntu&co jammy main\ndeb http://archive.ubuntu.com/ubuntu jammy universe\n',
    )
    expect(readFileSync(join(root, 'etc/apt/sources.list.d/ubuntu.sources'), 'utf8')).toBe(
      'Types: deb\nURIs: http://mirror.example/ubuntu&co\nSuites: noble noble-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/ubuntu&co\nSuites: noble-security\nComponents: main\n',
    )
    expect(readFileSync(join(root, 'etc/apt/sources.list.d/other.list'), 'utf8')).toBe(
      'deb http://example.org/x stable main\n',
    )
    expect(
      readFileSync(join(root, 'etc/apt/apt.conf.d/95allow-unauthenticated'), 'utf8'),
    ).toContain('AllowInsecureRepositories')
  })
})

describe("ubuntu-minimal: the release and apt sources debootstrap's root.d gets", () => {
  const ENV_FILES = [
    'debootstrap/environment.d/10-debootstrap-defaults.bash',
    'ubuntu-common/environment.d/10-ubuntu-common.bash',
    'ubuntu-minimal/environment.d/11-ubuntu-minimal.bash',
  ].map((file) => join(ELEMENTS, file))
  const head = (suite: string, codename: string): string =>
    `Origin: Ubuntu\nSuite: ${suite}\nCodename: ${codename}\nVersion: 24.04\nDate: Thu, 25 Apr 2024 15:10:33 UTC\nSHA256:\n`

  async function releaseFacts(
    mirror: string,
    extra: Record<string, string> = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const sourced = ENV_FILES.map((file) => `source ${file}`).join('; ')
    const result = await runOnHost(
      ['bash', '-c', `set -eu; ${sourced}; debian-release`],
      hookEnv({ ARCH: 'amd64', DIB_DISTRIBUTION_MIRROR: mirror, ...extra }),
    )
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }

  it("defaults to noble with Ubuntu's suites and components on the one mirror", async () => {
    const mirror = join(dir, 'ubuntu-mirror')
    mkdirSync(join(mirror, 'dists/noble'), { recursive: true })
    writeFileSync(join(mirror, 'dists/noble/Release'), head('noble', 'noble'))
    const facts = await releaseFacts(`file://${mirror}`)
    expect(facts.stderr).toBe('')
    expect(facts.code).toBe(0)
    expect(facts.stdout).toContain("DIB_DEBIAN_CODENAME='noble'\n")
    expect(facts.stdout).toContain(
      [
        `DIB_DEBIAN_APT_SOURCES='default:deb file://${mirror} noble main universe`,
        `updates:deb file://${mirror} noble-updates main universe`,
        `security:deb file://${mirror} noble-security main universe`,
        `backports:deb file://${mirror} noble-backports main universe'`,
      ].join('\n'),
    )
  })

  it("keeps DIB_RELEASE as the codename when a stand-in mirror's Release file names another, and says so", async () => {
    const mirror = join(dir, 'standin-mirror')
    mkdirSync(join(mirror, 'dists/noble'), { recursive: true })
    writeFileSync(join(mirror, 'dists/noble/Release'), head('oldstable', 'bookworm'))
    const facts = await releaseFacts(`file://${mirror}`, {
      DIB_UBUNTU_MIRROR_DISTS: 'updates',
      DIB_DEBIAN_COMPONENTS: 'main',
    })
    expect(facts.code).toBe(0)
    expect(facts.stderr.trim()).toBe(
      `debian-release: warning: file://${mirror}/dists/noble/Release says Codename: bookworm; building noble as DIB_RELEASE says`,
    )
    expect(facts.stdout).toContain("DIB_DEBIAN_CODENAME='noble'\n")
    expect(facts.stdout).toContain(
      `DIB_DEBIAN_APT_SOURCES='default:deb file://${mirror} noble main\nupdates:deb file://${mirror} noble-updates main'`,
    )
  })
})
