// The apt download cache as a build mounts it (needs root): a directory of hard links to
// $DIB_IMAGE_CACHE/apt/debian bind-mounted on a tree's var/cache/apt/archives, what apt writes
// there kept in the cache, installed files marked used, old ones pruned, and two builds at once
// each with their own apt lock and partial/. Nothing stays mounted or linked afterwards.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProcessRunner } from '../../src/exec/run.ts'
import type { JournalEntry, ResourceJournal } from '../../src/host/journal.ts'
import type { BuildContext } from '../../src/pipeline/context.ts'
import { mountDebCache, type DebCachePlan } from '../../src/pipeline/deb-cache-mount.ts'
import { silentReporter, type BuildEvent } from '../../src/report/events.ts'

const isRoot = process.getuid?.() === 0
const runner = new ProcessRunner({ reporter: silentReporter })
const DAY = 24 * 3600 * 1000

let dir = ''
let cacheDir = ''
let plan: DebCachePlan

beforeEach(async () => {
  // Below /var/tmp like a real DIB_IMAGE_CACHE (a disk, not the memory workspace).
  dir = await mkdtemp('/var/tmp/iw-deb-cache-')
  cacheDir = join(dir, 'cache', 'apt', 'debian')
  plan = { cacheDir, maxAgeDays: 30 }
})

afterEach(async () => {
  const mounts = await runner.run({ argv: ['findmnt', '-rn', '-o', 'TARGET'] }, { quiet: true })
  expect(mounts.stdout.split('\n').filter((target) => target.startsWith(dir))).toEqual([])
  await rm(dir, { recursive: true, force: true })
})

const STATUS = (installed: readonly string[]): string =>
  installed
    .map((deb) => {
      const [pkg, version, arch] = deb.replace(/\.deb$/, '').split('_')
      return `Package: ${pkg}\nStatus: install ok installed\nArchitecture: ${arch}\nVersion: ${version?.replace('%3a', ':')}\n`
    })
    .join('\n')

/** A build's context with a tree whose dpkg database lists `installed`. */
async function build(name: string, installed: readonly string[]) {
  const buildDir = join(dir, name)
  const tree = join(buildDir, 'mnt')
  await mkdir(join(tree, 'var/cache/apt/archives/partial'), { recursive: true })
  await mkdir(join(tree, 'var/lib/dpkg'), { recursive: true })
  await writeFile(join(tree, 'var/lib/dpkg/status'), STATUS(installed))
  const events: BuildEvent[] = []
  const journal: ResourceJournal & { entries: JournalEntry[] } = {
    entries: [],
    async record(entry) {
      this.entries.push(entry)
    },
    async forget(entry) {
      this.entries = this.entries.filter((e) => JSON.stringify(e) !== JSON.stringify(entry))
    },
  }
  const ctx = {
    runner,
    resourceRunner: runner,
    reporter: { emit: (event: BuildEvent) => events.push(event) },
    journal,
    workspace: { buildDir, imageDir: join(buildDir, 'image') },
  } as unknown as BuildContext
  return { ctx, archives: join(tree, 'var/cache/apt/archives'), events, journal }
}

async function cached(names: Record<string, number>): Promise<void> {
  await mkdir(cacheDir, { recursive: true })
  for (const [name, ageDays] of Object.entries(names)) {
    await writeFile(join(cacheDir, name), `content of ${name}`)
    const when = new Date(Date.now() - ageDays * DAY)
    await utimes(join(cacheDir, name), when, when)
  }
}

const debs = async (path: string): Promise<string[]> =>
  (await readdir(path)).filter((n) => n.endsWith('.deb')).sort()

describe.skipIf(!isRoot)('the apt cache mounted in a tree', () => {
  it('shows the cached files as links (no copy), keeps what apt wrote, and leaves the tree empty', async () => {
    await cached({ 'a_1_amd64.deb': 0, 'b_1%3a2_amd64.deb': 0 })
    // a link directory left by a build that died
    await mkdir(join(dir, 'cache/apt/.builds/debian-999999-0badf00d'), { recursive: true })
    const b = await build('one', ['a_1_amd64.deb', 'c_2_amd64.deb'])
    const mounted = await mountDebCache(b.ctx, plan)
    try {
      expect(await debs(b.archives)).toEqual(['a_1_amd64.deb', 'b_1%3a2_amd64.deb'])
      // the same inode as the cache's file: nothing was copied into the workspace
      expect((await stat(join(b.archives, 'a_1_amd64.deb'))).ino).toBe(
        (await stat(join(cacheDir, 'a_1_amd64.deb'))).ino,
      )
      expect(existsSync(join(b.archives, 'partial'))).toBe(true)
      expect(await readdir(join(dir, 'cache/apt/.builds'))).toHaveLength(1)
      // what apt downloads
      await writeFile(join(b.archives, 'c_2_amd64.deb'), 'downloaded')
      await writeFile(join(b.archives, 'lock'), '')
    } finally {
      await mounted[Symbol.asyncDispose]()
    }
    expect(await readdir(b.archives)).toEqual(['partial'])
    expect(await debs(cacheDir)).toEqual(['a_1_amd64.deb', 'b_1%3a2_amd64.deb', 'c_2_amd64.deb'])
    expect((await stat(join(cacheDir, 'c_2_amd64.deb'))).nlink).toBe(1)
    expect(await readdir(join(dir, 'cache/apt/.builds'))).toEqual([])
    expect(b.journal.entries).toEqual([])
    expect(b.events).toContainEqual({
      kind: 'info',
      message: `apt cache ${cacheDir}: 1 new .deb file(s) kept`,
    })
  })

  it('prunes the files no build installed for the days given; installed ones are renewed', async () => {
    await cached({ 'a_1_amd64.deb': 0 })
    // the first build marks files cached before (mirror timestamps) as used: none pruned
    const first = await build('first', [])
    await (await mountDebCache(first.ctx, plan))[Symbol.asyncDispose]()
    await cached({ 'old-installed_1_amd64.deb': 40, 'old-unused_1_amd64.deb': 40 })
    const b = await build('second', ['old-installed_1_amd64.deb'])
    await (await mountDebCache(b.ctx, plan))[Symbol.asyncDispose]()
    expect(await debs(cacheDir)).toEqual(['a_1_amd64.deb', 'old-installed_1_amd64.deb'])
    const renewed = await stat(join(cacheDir, 'old-installed_1_amd64.deb'))
    expect(Date.now() - renewed.mtimeMs).toBeLessThan(DAY)
    expect(b.events.at(-1)).toMatchObject({
      message: expect.stringContaining('1 not installed for 30 days pruned'),
    })
  })

  it('gives two builds at once their own apt lock and partial/, and keeps both downloads', async () => {
    await cached({ 'shared_1_amd64.deb': 0 })
    const [x, y] = await Promise.all([build('x', []), build('y', [])])
    const [mx, my] = await Promise.all([mountDebCache(x.ctx, plan), mountDebCache(y.ctx, plan)])
    try {
      await writeFile(join(x.archives, 'lock'), 'x')
      await writeFile(join(y.archives, 'lock'), 'y')
      expect((await stat(join(x.archives, 'lock'))).ino).not.toBe(
        (await stat(join(y.archives, 'lock'))).ino,
      )
      await writeFile(join(x.archives, 'partial', 'half.deb'), 'x')
      expect(await readdir(join(y.archives, 'partial'))).toEqual([])
      await writeFile(join(x.archives, 'only-x_1_amd64.deb'), 'x')
      await writeFile(join(y.archives, 'only-y_1_amd64.deb'), 'y')
      // the same package downloaded by both: one copy is kept
      await writeFile(join(x.archives, 'both_1_amd64.deb'), 'same')
      await writeFile(join(y.archives, 'both_1_amd64.deb'), 'same')
    } finally {
      await Promise.all([mx[Symbol.asyncDispose](), my[Symbol.asyncDispose]()])
    }
    expect(await debs(cacheDir)).toEqual([
      'both_1_amd64.deb',
      'only-x_1_amd64.deb',
      'only-y_1_amd64.deb',
      'shared_1_amd64.deb',
    ])
    expect(await readdir(join(dir, 'cache/apt/.builds'))).toEqual([])
  })
})
