// The pure half of rebuilding filesystems reproducibly (pipeline/reproducible-disk.ts does the
// work): which filesystems can be rebuilt from their finished tree, the debugfs script that pins
// inode times, and the mtools commands that fill a FAT filesystem in a fixed order.
import { deriveUuid } from '../layout/identities.ts'
import { isExtFamily } from '../filesystems.ts'
import type { Argv } from './steps.ts'

export type RebuildKind = 'ext' | 'vfat'

/** How a filesystem type is made reproducible, or why it is not. */
export function rebuildKind(type: string): RebuildKind | { readonly reason: string } {
  if (isExtFamily(type)) return 'ext'
  if (type === 'vfat') return 'vfat'
  if (type === 'swap') return { reason: 'swap holds no files' }
  return {
    reason: `mkfs.${type} cannot build a filesystem from a tree, so its inodes keep the build's times`,
  }
}

/**
 * ext4's directory hash seed, from the filesystem's UUID: a fixed UUID (IMAGEWRIGHT_UUID_SEED or
 * the config's uuid) gives a fixed seed, a random one a random seed.
 */
export function extHashSeed(uuid: string): string {
  return deriveUuid(uuid, 'ext4-hash-seed')
}

/**
 * Inodes a file of the tree may use, from `dumpe2fs` (the per-group "Free inodes:" ranges):
 * the root directory and every used inode from "First inode:" on. The reserved inodes below it
 * (journal, resize, ...) carry mke2fs's own (fake) time already.
 */
export function parseUsedInodes(dumpe2fs: string): number[] {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(dumpe2fs)
    if (!match) throw new Error(`dumpe2fs printed no "${name}:" line`)
    return Number(match[1])
  }
  const perGroup = field('Inodes per group')
  const first = field('First inode')
  const used: number[] = [2]
  const groups = dumpe2fs.split(/^Group (\d+): /m).slice(1)
  for (let i = 0; i + 1 < groups.length; i += 2) {
    const group = Number(groups[i])
    const free = /^\s+Free inodes:(.*)$/m.exec(groups[i + 1] ?? '')?.[1] ?? ''
    const isFree = freeRanges(free)
    for (let inode = group * perGroup + 1; inode <= (group + 1) * perGroup; inode++) {
      if (inode >= first && !isFree(inode)) used.push(inode)
    }
  }
  return used
}

function freeRanges(text: string): (inode: number) => boolean {
  const ranges = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [from, to = from] = part.split('-').map(Number)
      return [from ?? 0, to ?? 0] as const
    })
  return (inode) => ranges.some(([from, to]) => inode >= from && inode <= to)
}

/**
 * debugfs commands that give every inode the same access and change time: mke2fs -d copies
 * both from the staged tree, where they are the moment of staging.
 */
export function debugfsTimesScript(inodes: readonly number[], epoch: number): string {
  return inodes
    .map((inode) => `sif <${inode}> atime @${epoch}\nsif <${inode}> ctime @${epoch}\n`)
    .join('')
}

export interface StagedEntry {
  /** Path below the filesystem's root, "/"-separated, no leading slash. */
  readonly path: string
  readonly isDirectory: boolean
}

/**
 * mtools commands that copy a staged tree into a fresh FAT filesystem on `device`: directories
 * parents first, files one directory at a time, each list sorted, so directory entries and
 * clusters land in the same order every time (mcopy -s would follow readdir order).
 */
export function vfatCopyCommands(
  device: string,
  entries: readonly StagedEntry[],
  stageDir: string,
): Argv[] {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const dirs = sorted.filter((e) => e.isDirectory).map((e) => e.path)
  const commands: Argv[] =
    dirs.length === 0 ? [] : [['mmd', '-i', device, ...dirs.map((d) => `::/${d}`)]]
  const byDir = new Map<string, string[]>()
  for (const entry of sorted) {
    if (entry.isDirectory) continue
    const slash = entry.path.lastIndexOf('/')
    const dir = slash < 0 ? '' : entry.path.slice(0, slash)
    byDir.set(dir, [...(byDir.get(dir) ?? []), `${stageDir}/${entry.path}`])
  }
  for (const dir of ['', ...dirs]) {
    const files = byDir.get(dir)
    if (files !== undefined) commands.push(['mcopy', '-m', '-i', device, ...files, `::/${dir}`])
  }
  return commands
}
