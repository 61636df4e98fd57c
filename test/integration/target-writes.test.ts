// Every writer into an image tree (the core's hygiene, the element tools, the helper command of
// host-side shell elements) meets an absolute and a relative symlink planted at each path it
// writes, directories and file alike, and must leave the host untouched: it refuses a symlinked
// directory and replaces, never follows, a symlink at the file itself.
import { execFile } from 'node:child_process'
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyHygiene } from '../../src/build/hygiene.ts'
import { installPkgMaps } from '../../src/element-tools/pkg-map/install-maps.ts'
import { installServiceMap } from '../../src/element-tools/svc-map/install-services.ts'
import { planPathsFor, writePackagePlan } from '../../src/element-tools/package-installs/write-plan.ts'
import { silentReporter } from '../../src/report/events.ts'
import { REPO } from '../helpers/cli.ts'

const run = promisify(execFile)
let root: string
let host: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iw-tree-'))
  host = await mkdtemp(join(tmpdir(), 'iw-host-'))
  await writeFile(join(host, 'victim'), 'host data\n')
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(host, { recursive: true, force: true })
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

const WRITERS: readonly Writer[] = [
  { name: 'svc-map-merge', writes: ['usr/share/svc-map/services'], write: (r) => installServiceMap([], 'debian', r) },
  {
    name: 'pkg-map-resolve',
    writes: ['usr/share/pkg-map/base', 'usr/share/pkg-map/.resolved/base'],
    prepare: async () => {
      await mkdir(join(host, 'elements', 'base'), { recursive: true })
      await writeFile(join(host, 'elements', 'base', 'pkg-map'), '{"family": {"debian": {"x": "y"}}}\n')
    },
    write: (r) => installPkgMaps([{ name: 'base', dir: join(host, 'elements', 'base'), dirs: [join(host, 'elements', 'base')] }], { distro: 'debian', release: undefined }, r),
  },
  {
    name: 'package-installs-squash',
    writes: ['tmp/package-installs.json', 'tmp/package-installs/install.d.install'],
    write: (r) => writePackagePlan({ json: {}, phases: new Map([['install.d', { install: ['a'], uninstall: [] }]]) }, planPathsFor(r)),
  },
  {
    name: 'image hygiene (SSH key regeneration unit)',
    writes: ['etc/systemd/system/imagewright-ssh-host-keys.service', 'etc/systemd/system/multi-user.target.wants/'],
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
  it.each(plantingPoints(writer.writes).flatMap((point) => [[point, 'absolute'], [point, 'relative']] as const))(
    'leaves the host untouched with an %s symlink (%s) planted',
    async (point, kind) => {
      await writer.prepare?.(root)
      const link = join(root, point)
      await mkdir(dirname(link), { recursive: true })
      await rm(link, { recursive: true, force: true })
      const isFile = writer.writes.includes(point)
      const destination = isFile ? join(host, 'victim') : host
      await symlink(kind === 'absolute' ? destination : relative(dirname(link), destination), link)
      const before = await listing(host)
      const outcome = await writer.write(root).then(() => 'written', (error: unknown) => error)
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
    },
  )
})
