// Every writer into an image tree (the core's hygiene, the element tools, the helper command of
// host-side shell elements and the shipped host-side hooks that use it) meets an absolute and a relative symlink planted at each path it
// writes, directories and file alike, and must leave the host untouched: it refuses a symlinked
// directory and replaces, never follows, a symlink at the file itself.
import { execFile } from 'node:child_process'
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyHygiene } from '../../src/hygiene/hygiene.ts'
import { installPkgMaps } from '../../src/element-tools/pkg-map/install-maps.ts'
import { installServiceMap } from '../../src/element-tools/svc-map/install-services.ts'
import {
  planPathsFor,
  writePackagePlan,
} from '../../src/element-tools/package-installs/write-plan.ts'
import { silentReporter } from '../../src/report/events.ts'
import { REPO } from '../helpers/cli.ts'

const run = promisify(execFile)
let root: string
let host: string
/** A hook's own scratch directory on the host (TMP_BUILD_DIR): its files there are its business. */
let scratch: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iw-tree-'))
  host = await mkdtemp(join(tmpdir(), 'iw-host-'))
  scratch = await mkdtemp(join(tmpdir(), 'iw-scratch-'))
  await writeFile(join(host, 'victim'), 'host data\n')
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(host, { recursive: true, force: true })
  await rm(scratch, { recursive: true, force: true })
})

interface Writer {
  readonly name: string
  /** Paths in the tree the writer writes (files) or makes (directories). */
  readonly writes: readonly string[]
  readonly prepare?: (root: string) => Promise<void>
  readonly write: (root: string) => Promise<unknown>
}

const targetWrite = (args: string[], input: string): Promise<unknown> => {
  const child = run(join(REPO, 'libexec', 'imagewright-target-write'), args)
  child.child.stdin?.end(input)
  return child
}

const ELEMENTS = join(REPO, 'elements')

/** Run a shipped host-side hook on `root` (as TARGET_ROOT and TMP_MOUNT_PATH), sourcing `envFiles` first. */
const hook =
  (script: string, env: Record<string, string>, envFiles: readonly string[] = []) =>
  (r: string): Promise<unknown> => {
    const sources = envFiles
      .map((file) => `source ${JSON.stringify(join(ELEMENTS, file))}`)
      .join('\n')
    return run(
      'bash',
      ['-c', `set -eu\n${sources}\nexec ${JSON.stringify(join(ELEMENTS, script))}`],
      {
        env: {
          PATH: `${join(REPO, 'libexec')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          LC_ALL: 'C',
          TARGET_ROOT: r,
          TMP_MOUNT_PATH: r,
          ...env,
        },
      },
    )
  }

const RELEASE =
  'Origin: Debian\nSuite: stable\nCodename: trixie\nDate: Sat, 21 Nov 2026 09:15:44 UTC\nMD5Sum:\n 0123 1 main/Contents-all\n'

const WRITERS: readonly Writer[] = [
  {
    name: 'svc-map-merge',
    writes: ['usr/share/svc-map/services'],
    write: (r) => installServiceMap([], 'debian', r),
  },
  {
    name: 'pkg-map-resolve',
    writes: ['usr/share/pkg-map/base', 'usr/share/pkg-map/.resolved/base'],
    prepare: async () => {
      await mkdir(join(host, 'elements', 'base'), { recursive: true })
      await writeFile(
        join(host, 'elements', 'base', 'pkg-map'),
        '{"family": {"debian": {"x": "y"}}}\n',
      )
    },
    write: (r) =>
      installPkgMaps(
        [
          {
            name: 'base',
            dir: join(host, 'elements', 'base'),
            dirs: [join(host, 'elements', 'base')],
          },
        ],
        { distro: 'debian', release: undefined },
        r,
      ),
  },
  {
    name: 'package-installs-squash',
    writes: ['tmp/package-installs.json', 'tmp/package-installs/install.d.install'],
    write: (r) =>
      writePackagePlan(
        { json: {}, phases: new Map([['install.d', { install: ['a'], uninstall: [] }]]) },
        planPathsFor(r),
      ),
  },
  {
    name: 'image hygiene (SSH key regeneration unit)',
    writes: [
      'etc/systemd/system/imagewright-ssh-host-keys.service',
      'etc/systemd/system/multi-user.target.wants/',
    ],
    prepare: async (r) => {
      await mkdir(join(r, 'etc', 'ssh'), { recursive: true })
      await writeFile(join(r, 'etc', 'ssh', 'ssh_host_ed25519_key'), 'key\n')
    },
    write: (r) => applyHygiene({ root: r, env: {}, hostResolvConf: '', reporter: silentReporter }),
  },
  {
    name: 'imagewright-target-write (host-side shell elements)',
    writes: ['etc/dib-manifests/dib_environment'],
    write: (r) => targetWrite([r, '/etc/dib-manifests/dib_environment'], 'DIB_X=1\n'),
  },
  {
    name: 'imagewright-target-write --dir',
    writes: ['etc/dib-manifests/'],
    write: (r) => targetWrite(['--dir', r, '/etc/dib-manifests'], ''),
  },
  {
    name: 'dpkg root.d/50-dpkg-build-proxy',
    writes: ['etc/apt/apt.conf.d/60imagewright-build-proxy'],
    write: hook('dpkg/root.d/50-dpkg-build-proxy', { http_proxy: 'http://proxy.example:3128' }),
  },
  {
    name: 'dpkg extra-data.d/20-dpkg-apt-keys',
    writes: ['etc/apt/trusted.gpg.d/imagewright-mine.gpg'],
    prepare: async () => {
      await mkdir(join(host, 'keys'), { recursive: true })
      await writeFile(join(host, 'keys', 'mine.key'), 'binary key\n')
    },
    write: (r) =>
      hook('dpkg/extra-data.d/20-dpkg-apt-keys', { DIB_ADD_APT_KEYS: join(host, 'keys') })(r),
  },
  {
    name: 'dpkg extra-data.d/21-dpkg-seed-apt-cache',
    writes: ['var/cache/apt/archives/partial/', 'var/cache/apt/archives/a_1_all.deb'],
    prepare: async () => {
      await mkdir(join(host, 'cache', 'apt', 'debian'), { recursive: true })
      await writeFile(join(host, 'cache', 'apt', 'debian', 'a_1_all.deb'), 'a deb\n')
      // The host's cache is the element's to lock: not a write into the image.
      await writeFile(join(host, 'cache', 'apt', 'debian', '.lock'), '')
    },
    write: (r) =>
      hook('dpkg/extra-data.d/21-dpkg-seed-apt-cache', {
        DIB_IMAGE_CACHE: join(host, 'cache'),
        DISTRO_NAME: 'debian',
      })(r),
  },
  {
    name: 'debootstrap root.d/10-debootstrap-configure',
    writes: ['etc/apt/sources.list', 'etc/network/interfaces.d/dhcp', 'etc/hosts'],
    prepare: async () => {
      await mkdir(join(host, 'mirror', 'dists', 'trixie'), { recursive: true })
      await writeFile(join(host, 'mirror', 'dists', 'trixie', 'Release'), RELEASE)
    },
    write: (r) =>
      hook(
        'debootstrap/root.d/10-debootstrap-configure',
        {
          ARCH: 'amd64',
          DIB_RELEASE: 'trixie',
          DIB_DISTRIBUTION_MIRROR: `file://${host}/mirror`,
        },
        [
          'debootstrap/environment.d/10-debootstrap-defaults.bash',
          'debian-minimal/environment.d/10-debian-minimal.bash',
        ],
      )(r),
  },
  {
    name: 'source-repositories extra-data.d/98-source-repositories (file, tar and git)',
    writes: [
      'opt/acme/file.txt',
      'opt/acme/tree/sub/',
      'opt/acme/tree/sub/inner.txt',
      'opt/acme/repo/',
      'etc/dib-source-repositories',
      'etc/dib-manifests/dib-manifest-git-img',
    ],
    prepare: async () => {
      // The sources and the element live in the hook's scratch directory, not on the watched host.
      const src = join(scratch, 'src')
      await mkdir(join(src, 'tree', 'sub'), { recursive: true })
      await writeFile(join(src, 'file.txt'), 'a file\n')
      await writeFile(join(src, 'tree', 'sub', 'inner.txt'), 'in the tarball\n')
      await run('tar', ['-C', join(src, 'tree'), '-cf', join(src, 'tree.tar'), 'sub'])
      await run('sh', [
        '-c',
        `git init -q -b main "${src}/repo" && git -C "${src}/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m one`,
      ])
      await mkdir(join(scratch, 'hooks', 'bin'), { recursive: true })
      await symlink(
        join(ELEMENTS, 'cache-url', 'bin', 'cache-url'),
        join(scratch, 'hooks', 'bin', 'cache-url'),
      ).catch(() => undefined)
      await mkdir(join(scratch, 'acme'), { recursive: true })
      await writeFile(
        join(scratch, 'acme', 'source-repository-acme'),
        [
          `acmefile file /opt/acme/file.txt file://${src}/file.txt`,
          `acmetar tar /opt/acme/tree file://${src}/tree.tar .`,
          `acmegit git /opt/acme/repo ${src}/repo main`,
          '',
        ].join('\n'),
      )
    },
    write: (r) =>
      hook('source-repositories/extra-data.d/98-source-repositories', {
        TMP_HOOKS_PATH: join(scratch, 'hooks'),
        TMP_BUILD_DIR: scratch,
        DIB_IMAGE_CACHE: join(scratch, 'cache'),
        IMAGE_ELEMENT_YAML: `acme: "${join(scratch, 'acme')}"`,
        HOME: scratch,
        DIB_MANIFEST_IMAGE_DIR: '/etc/dib-manifests',
        IMAGE_NAME: 'img',
      })(r),
  },
  {
    name: 'rootfs-ramdisk cleanup.d/90-rootfs-ramdisk-pack',
    writes: ['tmp/ramdisk', 'tmp/kernel'],
    prepare: async (r) => {
      await mkdir(join(r, 'boot'), { recursive: true })
      await mkdir(join(r, 'sbin'), { recursive: true })
      await writeFile(join(r, 'boot', 'vmlinuz-6.1.0-test'), 'kernel\n')
      await writeFile(join(r, 'sbin', 'init'), 'init\n')
    },
    write: (r) =>
      hook('rootfs-ramdisk/cleanup.d/90-rootfs-ramdisk-pack', { TMP_BUILD_DIR: scratch })(r),
  },
]

/** Every path a symlink could be planted at: each directory on the way, and the file. */
function plantingPoints(writes: readonly string[]): string[] {
  const points = new Set<string>()
  for (const path of writes) {
    const parts = path.split('/').filter(Boolean)
    for (let i = 1; i <= parts.length; i++) points.add(parts.slice(0, i).join('/'))
  }
  return [...points]
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort()
}

describe.each(WRITERS)('$name', (writer) => {
  it.each(
    plantingPoints(writer.writes).flatMap(
      (point) =>
        [
          [point, 'absolute'],
          [point, 'relative'],
        ] as const,
    ),
  )('leaves the host untouched with an %s symlink (%s) planted', async (point, kind) => {
    await writer.prepare?.(root)
    const link = join(root, point)
    await mkdir(dirname(link), { recursive: true })
    await rm(link, { recursive: true, force: true })
    const isFile = writer.writes.includes(point)
    const destination = isFile ? join(host, 'victim') : host
    await symlink(kind === 'absolute' ? destination : relative(dirname(link), destination), link)
    const before = await listing(host)
    const outcome = await writer.write(root).then(
      () => 'written',
      (error: unknown) => error,
    )
    expect(await listing(host)).toEqual(before)
    expect(await readFile(join(host, 'victim'), 'utf8')).toBe('host data\n')
    if (isFile) {
      // The link at the file itself is replaced by the file, inside the tree.
      expect(outcome).toBe('written')
      expect((await lstat(link)).isFile()).toBe(true)
    } else if (outcome === 'written') {
      // A directory the writer empties first loses the link and becomes a real directory.
      expect((await lstat(link)).isDirectory()).toBe(true)
    } else {
      expect(String(outcome)).toMatch(/is a symlink/)
    }
  })
})
