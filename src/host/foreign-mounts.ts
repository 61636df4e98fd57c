// A build's fresh mount namespace starts as a copy of every host mount of that moment. Where the
// host's mounts are private (no systemd as PID 1), a later unmount on the host does not reach the
// copy: a disk another tool (customize, a test, a user) had mounted would stay mounted there,
// unclean, with its loop device attached, until the build ends. So the copy drops, lazily and
// only in itself, every mount the build has no use for: those on a loop device or FUSE, and those
// below the scratch directories (/tmp, /var/tmp, /mnt, /media, TMPDIR), where other builds and
// tools mount their work. A mount that holds a path the build names is kept, wherever it is.
import { readFile, readdir, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import type { Runner } from '../exec/command.ts'
import { isInside } from '../util/is-inside.ts'

export interface MountEntry {
  readonly target: string
  /** major:minor of the filesystem's device (0:N for virtual ones). */
  readonly device: string
  readonly fstype: string
  readonly source: string
}

/** What the build needs from the host's mounts. */
export interface KeptPaths {
  /** Paths the build reads or writes: every mount on the way to each is kept. */
  readonly containing: readonly string[]
  /** Trees the build reads as a whole (ELEMENTS_PATH, the image cache): mounts inside them are kept too. */
  readonly within: readonly string[]
  /** Scratch directories besides the standard ones (the build's TMPDIR). */
  readonly scratch: readonly string[]
}

export const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/mnt', '/media'] as const

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  )
}

/** /proc/PID/mountinfo as entries, in mount order. */
export function parseMountInfo(text: string): MountEntry[] {
  return text.split('\n').flatMap((line) => {
    const fields = line.split(' ')
    const dash = fields.indexOf('-')
    const [device, target] = [fields[2], fields[4]]
    const [fstype, source] = [fields[dash + 1], fields[dash + 2]]
    if (dash < 6 || !device || !target || !fstype || source === undefined) return []
    return [{ target: unescape(target), device, fstype, source: unescape(source) }]
  })
}

export function isFuse(entry: MountEntry): boolean {
  return entry.fstype === 'fuse' || entry.fstype === 'fuseblk' || entry.fstype.startsWith('fuse.')
}

/**
 * The mounts to drop, outermost first; one inside another dropped goes with it. `onLoop` says
 * whether a device number is a loop device (or a partition or mapping on one).
 */
export function chooseForeignMounts(
  mounts: readonly MountEntry[],
  keep: KeptPaths,
  onLoop: (device: string) => boolean,
): string[] {
  const scratch = [...SCRATCH_DIRS, ...keep.scratch]
  const needed = (target: string): boolean =>
    keep.containing.some((path) => isInside(target, path)) ||
    keep.within.some((dir) => isInside(target, dir) || isInside(dir, target))
  const foreign = (entry: MountEntry): boolean =>
    isFuse(entry) ||
    onLoop(entry.device) ||
    scratch.some((dir) => entry.target !== dir && isInside(dir, entry.target))
  const chosen: string[] = []
  const targets = [
    ...new Set(
      mounts
        .filter((m) => m.target !== '/' && foreign(m) && !needed(m.target))
        .map((m) => m.target),
    ),
  ]
  for (const target of targets.sort((a, b) => a.length - b.length)) {
    if (!chosen.some((outer) => isInside(outer, target))) chosen.push(target)
  }
  return chosen
}

/** Whether block device `majorMinor` is a loop device, a partition of one, or a mapping over one. */
export async function isOnLoopDevice(majorMinor: string, sys = '/sys'): Promise<boolean> {
  if (majorMinor.startsWith('0:')) return false
  if (majorMinor.startsWith('7:')) return true
  const node = await realpath(join(sys, 'dev', 'block', majorMinor)).catch(() => undefined)
  if (node === undefined) return false
  if (/\/block\/loop\d+(\/|$)/.test(node)) return true
  // device-mapper (kpartx, LVM, dm-crypt) over loop devices names them as its slaves.
  const slaves = await readdir(join(node, 'slaves')).catch(() => [] as string[])
  for (const slave of slaves) {
    const dev = await readFile(join(node, 'slaves', slave, 'dev'), 'utf8').catch(() => '')
    if (/^loop\d+/.test(slave) || (dev.trim() !== '' && (await isOnLoopDevice(dev.trim(), sys))))
      return true
  }
  return false
}

export interface DroppedMounts {
  readonly dropped: readonly string[]
  /** Foreign mounts still there afterwards, with umount's complaint. */
  readonly failed: readonly string[]
}

const ROUNDS = 4

/**
 * Lazily unmount (MNT_DETACH) the foreign mounts of this process's mount namespace. Only ever
 * call it in a namespace of the build's own: on the host it would unmount other tools' disks.
 */
export async function dropForeignMounts(
  keep: KeptPaths,
  runner: Runner,
  mountinfo = '/proc/self/mountinfo',
): Promise<DroppedMounts> {
  const dropped: string[] = []
  let failed: string[] = []
  // Mounts stacked on one target come off one per round.
  for (let round = 0; round < ROUNDS; round++) {
    const mounts = parseMountInfo(await readFile(mountinfo, 'utf8'))
    const loopDevices = new Set<string>()
    for (const device of new Set(mounts.map((m) => m.device)))
      if (await isOnLoopDevice(device)) loopDevices.add(device)
    const targets = chooseForeignMounts(mounts, keep, (device) => loopDevices.has(device))
    if (targets.length === 0) return { dropped, failed: [] }
    failed = []
    for (const target of targets) {
      const result = await runner.run(
        { argv: ['umount', '--lazy', '--', target] },
        { quiet: true, allowFailure: true },
      )
      if (result.exitCode === 0) dropped.push(target)
      else failed.push(`${target} (${result.stderr.trim() || `umount exited ${result.exitCode}`})`)
    }
    if (failed.length === targets.length) break
  }
  return { dropped, failed }
}
