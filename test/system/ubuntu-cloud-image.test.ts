// The ubuntu element end to end, against stand-ins on 127.0.0.1: a cloud-image site holding a
// squashfs made from the shared cached Debian root (dressed as Ubuntu: os-release, deb822 apt
// sources naming archive.ubuntu.com, grub and the generic kernel recorded as installed), and an
// apt mirror that serves Debian's bookworm suites under Ubuntu's names (noble, noble-updates).
// One tar build (no disk, no boot: the distribution's content is not what is tested) shows the
// download checked against SHA256SUMS, the root unpacked, the mirror rewrite apt then follows,
// grub removed, ubuntu-common's sysctl file; `plan` shows the base image before and after.
// Cache hits, offline builds and checksum refusals are in elements-shell-ubuntu.test.ts.
// ubuntu-minimal: one tar build of `ubuntu-minimal vm` bootstrapped from a stand-in Ubuntu
// mirror (test/helpers/ubuntu-mirror.ts: Debian's bookworm suites under noble's names, Release
// files rewritten and signed with the test's own key, given as a private mirror's key is:
// DIB_APT_KEYRING); the tree comes from the mirror, the image's apt sources and trust end on it.
import { execFileSync } from 'node:child_process'
import {
  appendFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unpackBookwormTree } from '../helpers/bookworm-tree.ts'
import {
  DIB_BIN,
  IW_BIN,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { startMirrorView, type MirrorView } from '../helpers/mirror-view.ts'
import { startStaticServer, writeSha256Sums, type StaticServer } from '../helpers/static-server.ts'
import { startUbuntuMirror, type UbuntuMirror } from '../helpers/ubuntu-mirror.ts'

const IMAGE = 'noble-server-cloudimg-amd64.squashfs'

let work: string
let before: HostSnapshot
let site: StaticServer
let mirror: MirrorView

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' })
const tarText = (member: string, tar = 'ubuntu.tar'): string =>
  execFileSync('tar', ['-xOf', join(work, tar), member], { encoding: 'utf8' })

/** A record in dpkg's status for a package the image "has" (no files). */
const installed = (name: string, version: string): string =>
  `\nPackage: ${name}\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: test <test@example.org>\nArchitecture: amd64\nVersion: ${version}\nDescription: stand-in of Ubuntu's ${name}\n`

function makeCloudImage(dir: string): void {
  const tree = join(work, 'tree')
  unpackBookwormTree(tree)
  writeFileSync(
    join(tree, 'usr/lib/os-release'),
    'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n',
  )
  writeFileSync(
    join(tree, 'etc/apt/sources.list'),
    '# Ubuntu sources are in sources.list.d/ubuntu.sources\n',
  )
  mkdirSync(join(tree, 'etc/apt/sources.list.d'), { recursive: true })
  writeFileSync(
    join(tree, 'etc/apt/sources.list.d/ubuntu.sources'),
    'Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates\nComponents: main\n',
  )
  appendFileSync(
    join(tree, 'var/lib/dpkg/status'),
    installed('linux-image-generic', '6.8.0-1') + installed('grub-pc', '2.12-1'),
  )
  mkdirSync(dir, { recursive: true })
  sh('mksquashfs', [tree, join(dir, IMAGE), '-quiet', '-no-progress', '-noappend', '-comp', 'lz4'])
  rmSync(tree, { recursive: true })
  writeSha256Sums(dir)
}

const env = (): Record<string, string> => ({
  // The test's own cloud-init and dkms: empty stand-ins, so the build installs nothing from
  // the archive (their real work is not Ubuntu's and is tested elsewhere).
  ELEMENTS_PATH: join(work, 'elements'),
  DIB_IMAGE_CACHE: join(work, 'cache'),
  DIB_CLOUD_IMAGES: `${site.url}/noble/current`,
  DIB_DISTRIBUTION_MIRROR: `${mirror.url}/debian`,
  TMPDIR: join(work, 'tmp'),
  IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
})

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-ubuntu-')
  mkdirSync(join(work, 'tmp'))
  for (const name of ['cloud-init', 'dkms']) {
    mkdirSync(join(work, 'elements', name), { recursive: true })
    writeFileSync(
      join(work, 'elements', name, 'README.rst'),
      `${name}: empty stand-in for the test\n`,
    )
  }
  makeCloudImage(join(work, 'site/noble/current'))
  site = await startStaticServer(join(work, 'site'))
  mirror = await startMirrorView('noble', 'bookworm')
  before = hostSnapshot(work)
})

afterAll(async () => {
  await site?.close()
  await mirror?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('the ubuntu element', () => {
  it('plans, downloads and verifies the cloud image, and builds from it with the mirror it is given', async () => {
    const digest = sh('sha256sum', [join(work, 'site/noble/current', IMAGE)]).split(' ')[0] ?? ''
    const plan = await runCli(IW_BIN, { args: ['plan', 'ubuntu'], env: env() })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain(
      [
        'Base image:',
        `  ${site.url}/noble/current/${IMAGE}`,
        `  sha256: ${digest} (${site.url}/noble/current/SHA256SUMS)`,
        `  cache:  ${join(work, 'cache', IMAGE)}: not cached: downloaded and verified by the build`,
      ].join('\n'),
    )
    let mark = site.requests.length
    // Offline with nothing cached: no checksum to key the root step on, so no step is reused.
    const cold = await runCli(IW_BIN, {
      args: ['plan', '--offline', 'ubuntu'],
      env: { ...env(), IMAGEWRIGHT_NO_CACHE: '0' },
    })
    expect(cold.stdout).toContain(
      `  cache:  ${join(work, 'cache', IMAGE)}: not cached: an offline build stops`,
    )
    expect(cold.stdout).toContain(
      'Cache: not used (the base image has no published checksum to read, so a new image could not be told)',
    )
    expect(site.requests.slice(mark)).toEqual([])

    const built = await runCli(DIB_BIN, {
      args: ['-t', 'tar', '-o', join(work, 'ubuntu'), 'ubuntu'],
      env: env(),
    })
    expect(built.stderr).toBe('')
    expect(built.code).toBe(0)
    expect(site.requests.slice(mark)).toEqual([
      'GET /noble/current/SHA256SUMS 200',
      `GET /noble/current/${IMAGE} 200`,
    ])
    // apt read the mirror under Ubuntu's suite names.
    expect(mirror.paths).toContain('/debian/dists/noble/InRelease')
    expect(tarText('./usr/lib/os-release')).toContain('ID=ubuntu')
    expect(tarText('./etc/apt/sources.list.d/ubuntu.sources')).toContain(
      `URIs: ${mirror.url}/debian\n`,
    )
    expect(tarText('./etc/sysctl.d/99-cloudimg-ipv6.conf')).toContain(
      'net.ipv6.conf.all.use_tempaddr = 0',
    )
    const status = tarText('./var/lib/dpkg/status')
    expect(status).toMatch(/^Package: linux-image-generic\nStatus: install ok installed$/m)
    expect(status).not.toMatch(/^Package: grub-pc\nStatus: install ok installed$/m)
    expect(tarText('./etc/cloud/cloud.cfg.d/91-dib-cloud-init-datasources.cfg')).toContain('Ec2')
    expect(hostSnapshot(work)).toEqual(before)

    mark = site.requests.length
    const again = await runCli(IW_BIN, { args: ['plan', 'ubuntu'], env: env() })
    expect(again.stdout).toContain(
      `  cache:  ${join(work, 'cache', IMAGE)}: cached, matches the published checksum: not downloaded again`,
    )
    const offline = await runCli(IW_BIN, { args: ['plan', '--offline', 'ubuntu'], env: env() })
    expect(offline.stdout).toContain(
      `  sha256: ${digest} (cached ${site.url}/noble/current/SHA256SUMS)`,
    )
    // plan asks for the list (the online one), never for the image; offline it asks nothing.
    expect(site.requests.slice(mark)).toEqual(['GET /noble/current/SHA256SUMS 200'])
  })
})

describe('the ubuntu-minimal element', () => {
  let ubuntu: UbuntuMirror | undefined
  afterAll(async () => {
    await ubuntu?.close()
  })

  it('bootstraps ubuntu-minimal vm from the mirror it is given, signed by the key it is given', async () => {
    ubuntu = await startUbuntuMirror(join(work, 'ubuntu-mirror'))
    const cache = join(work, 'minimal-cache')
    // .deb files other Debian builds kept: the same files the stand-in's pool has under the
    // same names (apt checks each against the stand-in's signed index), so the kernel is not
    // downloaded again. The bootstrap itself (mmdebstrap) always reads the mirror.
    const kept = join(TEST_CACHE, 'apt/debian')
    mkdirSync(join(cache, 'apt/ubuntu'), { recursive: true })
    for (const deb of existsSync(kept) ? readdirSync(kept) : []) {
      if (deb.endsWith('.deb')) linkSync(join(kept, deb), join(cache, 'apt/ubuntu', deb))
    }
    const built = await runCli(DIB_BIN, {
      args: ['-t', 'tar', '-o', join(work, 'minimal'), 'ubuntu-minimal', 'vm', 'manifests'],
      env: {
        DIB_RELEASE: 'noble',
        DIB_DISTRIBUTION_MIRROR: ubuntu.url,
        DIB_APT_KEYRING: ubuntu.keyring,
        DIB_IMAGE_CACHE: cache,
        TMPDIR: join(work, 'tmp'),
        IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
      },
    })
    expect(built.stderr).toBe('')
    expect(built.code).toBe(0)
    const text = (member: string): string => tarText(member, 'minimal.tar')

    // The tree came from the stand-in: every suite's signed Release file, Debian's packages
    // through its pool, and the kernel under Ubuntu's metapackage name from its own index.
    for (const suite of ['noble', 'noble-updates', 'noble-security', 'noble-backports'])
      expect(ubuntu.paths).toContain(`/ubuntu/dists/${suite}/InRelease`)
    expect(ubuntu.paths).toContainEqual(
      expect.stringMatching(/^\/ubuntu\/pool\/main\/b\/base-files\//),
    )
    expect(ubuntu.paths).toContain(
      '/ubuntu/pool/universe/l/linux-image-generic/linux-image-generic_0+standin1_amd64.deb',
    )
    const status = text('./var/lib/dpkg/status')
    expect(status).toMatch(
      /^Package: linux-image-generic\nStatus: install ok installed\n(?:.+\n)*?Version: 0\+standin1$/m,
    )
    for (const name of ['linux-image-amd64', 'initramfs-tools', 'systemd-sysv', 'sudo', 'ifupdown'])
      expect(status).toMatch(new RegExp(`^Package: ${name}\\nStatus: install ok installed$`, 'm'))

    // The image's apt ends on the mirror, for the release and DIB_UBUNTU_MIRROR_DISTS' suites,
    // and trusts the key the bootstrap was given.
    expect(text('./etc/apt/sources.list.d/default.list')).toBe(
      `deb ${ubuntu.url} noble main universe\n`,
    )
    for (const dist of ['updates', 'security', 'backports'])
      expect(text(`./etc/apt/sources.list.d/${dist}.list`)).toBe(
        `deb ${ubuntu.url} noble-${dist} main universe\n`,
      )
    expect(
      execFileSync('tar', [
        '-xOf',
        join(work, 'minimal.tar'),
        './etc/apt/trusted.gpg.d/imagewright-stand-in-mirror.gpg',
      ]),
    ).toEqual(readFileSync(ubuntu.keyring))
    const release = text('./etc/dib-manifests/debian-release')
    expect(release).toContain('requested=noble\ncodename=noble\nsuite=noble\n')
    expect(release).toContain(`mirror=${ubuntu.url}\n`)

    // ubuntu-common's settings and tweaks.
    expect(text('./etc/hostname')).toBe('ubuntu\n')
    expect(text('./etc/sysctl.d/99-cloudimg-ipv6.conf')).toContain(
      'net.ipv6.conf.all.use_tempaddr = 0',
    )
    expect(hostSnapshot(work)).toEqual(before)
  })
})
