// The Red Hat family's root from a cloud image, with a stand-in: a disk built here from the
// download-free host-os element (GPT with an ESP, a separate /boot and the root, like a vendor
// qcow2), served on 127.0.0.1 under a CentOS file name with a BSD-style CHECKSUM beside it, and
// compressed as .qcow2.xz with a SHA256SUMS of the compressed file.
// The package manager is real: a second stand-in disk holds Debian's dnf and rpm (dressed as
// Rocky 9), and an rpm repository built here with rpmbuild and createrepo_c is served on
// 127.0.0.1; package-installs, pkg-map and install-packages install and remove from it with dnf.
// Real CentOS, Rocky, AlmaLinux, Fedora and RHEL content cannot be reached from here.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { espBootRootLayout } from '../helpers/block-device-yaml.ts'
import {
  DIB_BIN,
  HOST_OS_ELEMENTS,
  IW_BIN,
  hostSnapshot,
  runCli,
  type HostSnapshot,
} from '../helpers/cli.ts'
import {
  buildRpmRepo,
  makeDnfTree,
  rpmFile,
  rpmQuery,
  type RpmSpec,
} from '../helpers/rpm-standin.ts'
import { startStaticServer, writeSha256Sums, type StaticServer } from '../helpers/static-server.ts'

const IMAGE = 'CentOS-Stream-GenericCloud-9-20260101.0.x86_64.qcow2'
const OLDER = 'CentOS-Stream-GenericCloud-9-20250101.0.x86_64.qcow2'

const XZ_IMAGE = 'CentOS-Stream-GenericCloud-9-20260201.0.x86_64.qcow2.xz'

const LAYOUT = espBootRootLayout('root')

/**
 * The repository: iw-tool-rh needs iw-base; iw-tool is the name pkg-map must translate away;
 * iw-release gives dnf its $releasever; iw-doomed and iw-old come with the image, to remove.
 */
const RPMS: readonly RpmSpec[] = [
  { name: 'iw-release', provides: ['system-release(releasever) = 9'] },
  { name: 'iw-base' },
  { name: 'iw-tool-rh', requires: ['iw-base'] },
  { name: 'iw-tool', requires: ['iw-base'] },
  { name: 'iw-direct' },
  { name: 'iw-doomed' },
  { name: 'iw-old' },
]

let work: string
let server: StaticServer
let rpmServer: StaticServer
let before: HostSnapshot

const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex')

function writeScript(path: string, body: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, `#!/bin/bash\nset -eu -o pipefail\n${body}\n`)
  chmodSync(path, 0o755)
}

const env = (extra: Record<string, string>): Record<string, string> => ({
  TMPDIR: join(work, 'tmp'),
  IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
  ELEMENTS_PATH: join(work, 'elements'),
  DIB_IMAGE_CACHE: join(work, 'cache'),
  ARCH: 'amd64',
  ...extra,
})

const build = (name: string, elements: string[], extra: Record<string, string>) =>
  runCli(DIB_BIN, {
    args: ['-n', '-t', 'tar', '-o', join(work, name), ...elements],
    env: env(extra),
    timeoutMs: 600_000,
  })

const tarText = (tar: string, member: string): string =>
  execFileSync('tar', ['-xOf', tar, member], { encoding: 'utf8' })
const tarList = (tar: string): string[] =>
  execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n')

function expectHostClean(): void {
  expect(hostSnapshot(work)).toEqual(before)
  // The root step's own journal is gone once it released everything.
  expect(readdirSync(join(work, 'state')).filter((f) => f.startsWith('cloud-image-'))).toEqual([])
}

/** A whole-disk qcow2 of `elements` in the stand-in's layout. */
const standInDisk = (name: string, elementsPath: string, elements: string[]) =>
  runCli(DIB_BIN, {
    args: ['-n', '-o', join(work, name), '-t', 'qcow2', ...elements],
    env: {
      ...env({}),
      ELEMENTS_PATH: elementsPath,
      DIB_BLOCK_DEVICE_CONFIG: `file://${join(work, 'layout.yaml')}`,
      RH_STANDIN_TREE: join(work, 'dnf-tree'),
    },
    timeoutMs: 600_000,
  })

/** The disk with dnf: Debian's dnf and rpm in a bookworm root, copied in by a test element. */
async function dnfDisk(repo: string): Promise<void> {
  await makeDnfTree(join(work, 'dnf-tree'), [
    rpmFile(repo, 'iw-release'),
    rpmFile(repo, 'iw-doomed'),
    rpmFile(repo, 'iw-old'),
  ])
  const standin = join(work, 'standin-elements', 'rh-standin')
  mkdirSync(standin, { recursive: true })
  writeFileSync(join(standin, 'element-provides'), 'operating-system\n')
  mkdirSync(join(standin, 'environment.d'))
  writeFileSync(
    join(standin, 'environment.d', '10-rh-standin.bash'),
    'export DISTRO_NAME=rh-standin DIB_RELEASE=test DIB_INIT_SYSTEM=systemd\n',
  )
  writeScript(
    join(standin, 'root.d', '10-rh-standin'),
    'cp -a "$RH_STANDIN_TREE/." "$TARGET_ROOT/"',
  )
  const disk = await standInDisk('dnf', join(work, 'standin-elements'), ['rh-standin'])
  expect(disk.stderr).toBe('')
  expect(disk.code).toBe(0)
  rmSync(join(work, 'dnf-tree'), { recursive: true })
}

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-redhat-')
  mkdirSync(join(work, 'tmp'))
  mkdirSync(join(work, 'state'))
  before = hostSnapshot(work)
  writeFileSync(join(work, 'layout.yaml'), LAYOUT)
  const repo = join(work, 'rpm-site', '9')
  await buildRpmRepo(work, repo, RPMS)
  rpmServer = await startStaticServer(join(work, 'rpm-site'))
  // The dnf tree's packages come from Debian's archive: fetched while the host-os disk builds.
  const [base] = await Promise.all([
    standInDisk('base', HOST_OS_ELEMENTS, ['host-os']),
    dnfDisk(repo),
  ])
  expect(base.stderr).toBe('')
  expect(base.code).toBe(0)
  // The stand-in's ESP (MKFS_ESP) and /boot (lost+found) have files of their own: finding them
  // in the result shows they were mounted from the image's fstab before the copy.
  const site = join(work, 'site')
  mkdirSync(join(site, 'bad'), { recursive: true })
  copyFileSync(join(work, 'base.qcow2'), join(site, IMAGE))
  copyFileSync(join(work, 'base.qcow2'), join(site, 'bad', IMAGE))
  const digest = sha256(join(site, IMAGE))
  // An older image listed but not on the server: choosing it would fail the download.
  writeFileSync(
    join(site, 'CHECKSUM'),
    `# CentOS-Stream stand-in\nSHA256 (${OLDER}) = ${'0'.repeat(64)}\nSHA256 (${IMAGE}) = ${digest}\n`,
  )
  writeFileSync(join(site, 'bad', 'SHA256SUMS'), `${'f'.repeat(64)} *${IMAGE}\n`)
  // The same disk compressed, listed with the digest of the .xz as vendors publish it.
  mkdirSync(join(site, 'xz'))
  copyFileSync(join(work, 'base.qcow2'), join(site, 'xz', XZ_IMAGE.replace(/\.xz$/, '')))
  execFileSync('xz', ['-1', '-T0', join(site, 'xz', XZ_IMAGE.replace(/\.xz$/, ''))])
  writeSha256Sums(join(site, 'xz'))
  server = await startStaticServer(site)
  // A test element running in every chroot phase of the flow, on the extracted root.
  const marker = join(work, 'elements', 'rh-flow-marker')
  writeScript(
    join(marker, 'install.d', '50-rh-flow-marker'),
    'echo "install $DISTRO_NAME $DIB_RELEASE $YUM $EFI_BOOT_DIR" > /etc/rh-flow',
  )
  writeScript(
    join(marker, 'post-install.d', '50-rh-flow-marker'),
    'echo post-install >> /etc/rh-flow',
  )
  writeScript(join(marker, 'finalise.d', '50-rh-flow-marker'), 'echo finalise >> /etc/rh-flow')
  // What a DIB user's element does: package-installs.yaml (a name pkg-map renames for the
  // redhat family, an uninstall), install-packages directly, and a removal.
  const user = join(work, 'elements', 'rh-dnf-user')
  mkdirSync(user, { recursive: true })
  writeFileSync(join(user, 'package-installs.yaml'), 'iw-tool:\niw-doomed:\n  uninstall: true\n')
  writeFileSync(
    join(user, 'pkg-map'),
    JSON.stringify({ family: { redhat: { 'iw-tool': 'iw-tool-rh' } } }),
  )
  writeScript(
    join(user, 'install.d', '60-rh-dnf-user'),
    'install-packages iw-direct\ninstall-packages -e iw-old',
  )
  // A DIB user's repository file: DIB_YUM_REPO_CONF copies it in for the build only.
  writeFileSync(
    join(work, 'iw-test.repo'),
    `[iw-test]\nname=imagewright test repository\nbaseurl=${rpmServer.url}/$releasever/\nenabled=1\ngpgcheck=0\n`,
  )
}, 900_000)

afterAll(async () => {
  await server?.close()
  await rpmServer?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('redhat-common: the root from a cloud image', () => {
  it('downloads the newest listed image, verifies it, copies root, /boot and the ESP out without device-mapper, and runs the element flow on it; then hits the cache; then works offline', async () => {
    const first = await build('first', ['centos', 'rh-flow-marker'], {
      DIB_CLOUD_IMAGES: server.url,
    })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(`Verified ${IMAGE}: sha256 `)
    expect(first.stdout).toMatch(
      /Base image CentOS-Stream-GenericCloud-9-20260101\.0\.x86_64\.qcow2: root on ext4, with \/boot, \/boot\/efi from its fstab/,
    )
    expect(server.requests).toEqual([`GET /CHECKSUM 200`, `GET /${IMAGE} 200`])
    const tar = join(work, 'first.tar')
    expect(tarText(tar, './etc/rh-flow')).toBe(
      'install centos 9-stream dnf EFI/centos\npost-install\nfinalise\n',
    )
    expect(tarText(tar, './etc/os-release')).toContain('ID=')
    // the ESP's own file, and /boot's lost+found: both were separate filesystems of the image
    expect(tarList(tar)).toEqual(
      expect.arrayContaining(['./boot/efi/MKFS_ESP', './boot/lost+found/']),
    )
    expect(readdirSync(join(work, 'cache', 'cloud-images'))).toHaveLength(1)
    expectHostClean()

    const second = await build('second', ['centos', 'selinux-permissive', 'disable-selinux'], {
      DIB_CLOUD_IMAGES: server.url,
    })
    expect(second.code).toBe(0)
    expect(tarText(join(work, 'second.tar'), './etc/selinux/config')).toMatch(/^SELINUX=disabled$/m)
    expect(tarList(join(work, 'second.tar'))).not.toContain('./.autorelabel')
    expect(server.requests.slice(2)).toEqual([`GET /CHECKSUM 304`, `GET /${IMAGE} 304`])

    const offline = await build('offline', ['centos'], {
      DIB_CLOUD_IMAGES: server.url,
      DIB_OFFLINE: '1',
    })
    expect(offline.stderr).toBe('')
    expect(offline.code).toBe(0)
    expect(offline.stdout).toContain('Offline: using the cached')
    expect(server.requests).toHaveLength(4)
    // plan names the image the list picks, its published checksum and the cache's state.
    const plan = await runCli(IW_BIN, {
      args: ['plan', 'centos'],
      env: env({ DIB_CLOUD_IMAGES: server.url }),
    })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain(`  ${server.url}/${IMAGE}`)
    expect(plan.stdout).toMatch(/ {2}sha256: [0-9a-f]{64} \(http:\/\/127\.0\.0\.1:\d+\/CHECKSUM\)/)
    expect(plan.stdout).toMatch(/cached, matches the published checksum: not downloaded again/)
    // plan reads the list; it never asks for the image.
    expect(server.requests.slice(4).every((r) => r.startsWith('GET /CHECKSUM '))).toBe(true)
    expectHostClean()
  })

  it('refuses an image whose SHA-256 differs from the list, and keeps no bad copy', async () => {
    const result = await build('bad', ['centos'], {
      DIB_CLOUD_IMAGES: `${server.url}/bad`,
      DIB_IMAGE_CACHE: join(work, 'cache-bad'),
    })
    expect(result.code).not.toBe(0)
    expect(result.stderr + result.stdout).toMatch(
      new RegExp(
        `Checksum mismatch for ${server.url}/bad/${IMAGE.replace(/\./g, '\\.')}: .*says sha256 f{64}, the download has [0-9a-f]{64}`,
      ),
    )
    const cached = readdirSync(join(work, 'cache-bad', 'cloud-images'))
    expect(cached).toHaveLength(1)
    expect(existsSync(join(work, 'cache-bad', 'cloud-images', cached[0] ?? '', IMAGE))).toBe(false)
    expect(existsSync(join(work, 'bad.tar'))).toBe(false)
    expectHostClean()
  })

  it('downloads a .qcow2.xz, verifies it as published (compressed), unpacks it once into the cache', async () => {
    const cache = join(work, 'cache-xz')
    const xz = await build('xz', ['centos'], {
      DIB_CLOUD_IMAGES: `${server.url}/xz`,
      DIB_IMAGE_CACHE: cache,
    })
    expect(xz.stderr).toBe('')
    expect(xz.code).toBe(0)
    expect(xz.stdout).toContain(
      `Verified ${XZ_IMAGE}: sha256 ${sha256(join(work, 'site', 'xz', XZ_IMAGE))}`,
    )
    expect(xz.stdout).toContain(`Unpacked ${XZ_IMAGE} to `)
    expect(tarText(join(work, 'xz.tar'), './etc/os-release')).toContain('ID=')
    const [dir = ''] = readdirSync(join(cache, 'cloud-images'))
    const unpacked = join(cache, 'cloud-images', dir, XZ_IMAGE.replace(/\.xz$/, ''))
    expect(sha256(unpacked)).toBe(sha256(join(work, 'base.qcow2')))
    const unpackedAt = statSync(unpacked).mtimeMs

    const again = await build('xz-again', ['centos'], {
      DIB_CLOUD_IMAGES: `${server.url}/xz`,
      DIB_IMAGE_CACHE: cache,
      DIB_OFFLINE: '1',
    })
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(
      `${XZ_IMAGE.replace(/\.xz$/, '')} was unpacked from this ${XZ_IMAGE} before: not unpacked again`,
    )
    expect(statSync(unpacked).mtimeMs).toBe(unpackedAt)
    expectHostClean()
  })

  it('DIB_LOCAL_IMAGE downloads nothing; dnf installs and removes from a repository for real (package-installs, pkg-map, install-packages, DIB_YUM_REPO_CONF); selinux-permissive asks for a first-boot relabel; offline with an empty cache says what is missing', async () => {
    const requests = server.requests.length
    const local = await build(
      'local',
      ['rocky', 'rh-flow-marker', 'selinux-permissive', 'rh-dnf-user'],
      {
        DIB_LOCAL_IMAGE: join(work, 'dnf.qcow2'),
        DIB_YUM_REPO_CONF: join(work, 'iw-test.repo'),
      },
    )
    expect(local.stderr).toBe('')
    expect(local.code).toBe(0)
    // dnf read the repository of the release the image's rpm database names ($releasever).
    expect(rpmServer.requests).toContain('GET /9/repodata/repomd.xml 200')
    const tree = join(work, 'local-tree')
    mkdirSync(tree)
    execFileSync('tar', [
      '-xf',
      join(work, 'local.tar'),
      '-C',
      tree,
      './var/lib/rpm',
      './usr/share',
      './etc',
    ])
    expect(await rpmQuery(tree, ['iw-tool-rh', 'iw-base', 'iw-direct', 'iw-release'])).toBe(
      'iw-tool-rh-1.0-1.noarch\niw-base-1.0-1.noarch\niw-direct-1.0-1.noarch\niw-release-1.0-1.noarch\n',
    )
    expect(await rpmQuery(tree, ['iw-tool', 'iw-doomed', 'iw-old'])).toBe(
      'package iw-tool is not installed\npackage iw-doomed is not installed\npackage iw-old is not installed\n',
    )
    expect(readFileSync(join(tree, 'usr/share/iw-tool-rh/marker'), 'utf8')).toBe('iw-tool-rh\n')
    expect(existsSync(join(tree, 'usr/share/iw-doomed/marker'))).toBe(false)
    // The build's repository file served the build only.
    expect(existsSync(join(tree, 'etc/yum.repos.d/iw-test.repo'))).toBe(false)
    expect(tarText(join(work, 'local.tar'), './etc/rh-flow')).toMatch(
      /^install rocky 9 dnf EFI\/rocky\n/,
    )
    expect(server.requests).toHaveLength(requests)
    // permissive, and no policy in the stand-in to label with: the first boot relabels
    expect(tarText(join(work, 'local.tar'), './etc/selinux/config')).toBe(
      'SELINUX=permissive\nSELINUXTYPE=targeted\n',
    )
    expect(local.stdout).toContain('/.autorelabel makes the first boot relabel')
    expect(tarList(join(work, 'local.tar'))).toContain('./.autorelabel')

    const empty = await build('empty', ['almalinux'], {
      DIB_CLOUD_IMAGES: server.url,
      DIB_IMAGE_CACHE: join(work, 'cache-empty'),
      DIB_OFFLINE: '1',
    })
    expect(empty.code).not.toBe(0)
    expect(empty.stderr + empty.stdout).toContain(
      `DIB_OFFLINE is set and no checksum list of ${server.url} is in the cache`,
    )
    expect(server.requests).toHaveLength(requests)
    expectHostClean()
  })

  it("customize installs and removes with the image's own dnf (chosen from its os-release), the input unchanged", async () => {
    const input = join(work, 'dnf.qcow2')
    const sum = sha256(input)
    const out = join(work, 'customized.raw')
    const result = await runCli(IW_BIN, {
      args: [
        'customize',
        '-a',
        input,
        '-o',
        out,
        // Debian's dnf in the stand-in comes without the directory a Rocky image has.
        '--mkdir',
        '/etc/yum.repos.d',
        '--copy-in',
        `${join(work, 'iw-test.repo')}:/etc/yum.repos.d`,
        '--install',
        'iw-tool-rh,iw-direct',
        '--uninstall',
        'iw-old',
      ],
      env: env({}),
      timeoutMs: 600_000,
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(sha256(input)).toBe(sum)
    const { partitiontable } = JSON.parse(
      execFileSync('sfdisk', ['--json', out], { encoding: 'utf8' }),
    ) as { partitiontable: { partitions: { start: number; size: number }[] } }
    const root = partitiontable.partitions[2]
    if (root === undefined) throw new Error(`no root partition in ${out}`)
    const dir = mkdtempSync(join(work, 'customized-'))
    execFileSync('mount', [
      '-o',
      `loop,offset=${root.start * 512},sizelimit=${root.size * 512}`,
      out,
      dir,
    ])
    try {
      expect(await rpmQuery(dir, ['iw-tool-rh', 'iw-base', 'iw-direct', 'iw-old'])).toBe(
        'iw-tool-rh-1.0-1.noarch\niw-base-1.0-1.noarch\niw-direct-1.0-1.noarch\npackage iw-old is not installed\n',
      )
      expect(readFileSync(join(dir, 'usr/share/iw-direct/marker'), 'utf8')).toBe('iw-direct\n')
    } finally {
      execFileSync('umount', [dir])
      rmSync(dir, { recursive: true })
      rmSync(out)
    }
    expectHostClean()
  })

  it("names the current equivalent for the seed's CentOS 7 example", async () => {
    const element = await build('c7', ['centos7'], {})
    expect(element.code).not.toBe(0)
    expect(element.stderr).toMatch(
      /Element 'centos7' is retired: CentOS 7 is end of life .* DIB_RELEASE=9-stream/,
    )
    const release = await build('c7', ['centos'], {
      DIB_RELEASE: 'GenericCloud-1503',
      DIB_CLOUD_IMAGES: 'CentOS-7-x86_64-GenericCloud-1503.qcow2',
    })
    expect(release.code).not.toBe(0)
    expect(release.stderr + release.stdout).toContain(
      'DIB_RELEASE=GenericCloud-1503: CentOS 7 is end of life and its cloud images are gone: use the centos element with DIB_RELEASE=9-stream',
    )
    expectHostClean()
  })
})
