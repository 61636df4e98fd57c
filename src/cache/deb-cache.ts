// The .deb download cache ($DIB_IMAGE_CACHE/apt/DISTRO_NAME) as each build sees it: a private
// directory of hard links to the cached files, beside them on the same filesystem, that the
// build bind-mounts on the tree's var/cache/apt/archives. Nothing is copied, apt's lock and
// partial/ are the build's own (two builds never share an apt lock), and what apt downloads
// lands on the cache's filesystem, not in the memory workspace. When the build is done with it,
// new files are linked into the cache, files the tree has installed are marked used (mtime),
// and files no build installed for N days are pruned.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { link, mkdir, readdir, rm, stat, utimes, writeFile, chmod } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { isAlive } from '../host/processes.ts'

/** Beside the cache dirs, so links and the cache share a filesystem. */
const LINK_DIRS = '.builds'
/** Present once every file's mtime means "last installed by a build" (see `markLegacyFiles`). */
const USED_CLOCK = '.imagewright-used-clock'

export interface DebCacheLinks {
  readonly cacheDir: string
  readonly linkDir: string
}

const isDeb = (name: string): boolean => name.endsWith('.deb') && !name.startsWith('.')

/** Link directories of builds that died (their pid is gone). */
async function sweepDeadLinkDirs(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
      await rm(join(parent, name), { recursive: true, force: true })
  }
}

/**
 * Files cached before their mtime meant "last installed" carry the mirror's timestamp (apt
 * keeps it): they count as used now, once, so the first prune does not take them for old.
 */
async function markLegacyFiles(cacheDir: string, now: Date): Promise<void> {
  const clock = join(cacheDir, USED_CLOCK)
  if (existsSync(clock)) return
  for (const name of (await readdir(cacheDir)).filter(isDeb))
    await utimes(join(cacheDir, name), now, now).catch(() => undefined)
  await writeFile(clock, 'mtime of each .deb here: when a build last installed it\n')
}

/** A new private directory of hard links to every cached .deb, with its own partial/. */
export async function linkDebCache(cacheDir: string, now = new Date()): Promise<DebCacheLinks> {
  await mkdir(cacheDir, { recursive: true })
  await markLegacyFiles(cacheDir, now)
  const parent = join(dirname(cacheDir), LINK_DIRS)
  await mkdir(parent, { recursive: true })
  await sweepDeadLinkDirs(parent)
  const linkDir = join(
    parent,
    `${basename(cacheDir)}-${process.pid}-${randomBytes(4).toString('hex')}`,
  )
  await mkdir(join(linkDir, 'partial'), { recursive: true })
  // apt downloads as its unprivileged user, which must be able to enter the directory.
  await chmod(linkDir, 0o755)
  for (const name of (await readdir(cacheDir)).filter(isDeb)) {
    // A file pruned meanwhile by another build is simply not offered.
    await link(join(cacheDir, name), join(linkDir, name)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    })
  }
  return { cacheDir, linkDir }
}

/** apt's file name of every package the tree's dpkg database says is installed. */
export function installedDebNames(dpkgStatus: string): Set<string> {
  const names = new Set<string>()
  for (const paragraph of dpkgStatus.split(/\n\s*\n/)) {
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(paragraph)?.[1]?.trim()
    const [pkg, version, arch] = [field('Package'), field('Version'), field('Architecture')]
    if (pkg === undefined || version === undefined || arch === undefined) continue
    if (!/\binstalled$/.test(field('Status') ?? '')) continue
    names.add(`${pkg}_${version.replace(/:/g, '%3a')}_${arch}.deb`)
  }
  return names
}

export interface Returned {
  /** New files linked into the cache. */
  readonly added: number
}

/**
 * After the mount is released: new files (one link: apt wrote them here) join the cache, the
 * installed ones are marked used, and the link directory goes.
 */
export async function returnDebCache(
  links: DebCacheLinks,
  installed: ReadonlySet<string>,
  now = new Date(),
): Promise<Returned> {
  let added = 0
  for (const name of (await readdir(links.linkDir)).filter(isDeb)) {
    const path = join(links.linkDir, name)
    const info = await stat(path)
    if (info.nlink === 1) {
      await utimes(path, now, now)
      try {
        await link(path, join(links.cacheDir, name))
        added++
      } catch (error) {
        // Another build kept the same file first.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    } else if (installed.has(name)) {
      await utimes(path, now, now)
    }
  }
  await rm(links.linkDir, { recursive: true, force: true })
  return { added }
}

/** Remove cached .deb files no build installed for `maxAgeDays`; returns their names. */
export async function pruneDebCache(
  cacheDir: string,
  maxAgeDays: number,
  now = new Date(),
): Promise<string[]> {
  const oldest = now.getTime() - maxAgeDays * 24 * 3600 * 1000
  const pruned: string[] = []
  for (const name of (await readdir(cacheDir).catch(() => [] as string[])).filter(isDeb)) {
    const info = await stat(join(cacheDir, name)).catch(() => undefined)
    if (info === undefined || info.mtimeMs >= oldest) continue
    await rm(join(cacheDir, name), { force: true })
    pruned.push(name)
  }
  return pruned
}
