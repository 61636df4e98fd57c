// What a directory tree looks like to the kernel at one moment: every entry's type, mode,
// owner, size, inode, link count, device number, mtime and ctime (nanoseconds). Two snapshots
// that agree prove that nothing below the directory was changed between them: a write, a
// chmod, a chown, an xattr or a rename changes the ctime, which no program can set back;
// an entry created or deleted changes the set of paths. Other filesystems mounted below the
// directory are not entered (the step archive does not cross them either).
//
// The clock that stamps ctimes is coarse (a scheduler tick), so a change made in the same tick
// as the change before it can leave the ctime as it was. An entry whose ctime is that close to
// the moment its snapshot began is "racy": a later change could go unseen, so a snapshot with
// one proves nothing (`racyEntries`). Waiting `SETTLE_MS` after the last expected change
// before taking a snapshot makes that the exception.
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs'
import { join } from 'node:path'

/** A change this close before a snapshot began may share its ctime with a later one: longer
 * than a scheduler tick (10 ms at HZ=100), with room for Date.now()'s millisecond rounding. */
const RACY_NS = 20_000_000n
/** How long to wait after the last expected change before a snapshot, so that none is racy. */
export const SETTLE_MS = 50

export interface EntryFacts {
  readonly mode: bigint
  readonly uid: bigint
  readonly gid: bigint
  readonly size: bigint
  readonly ino: bigint
  readonly nlink: bigint
  readonly rdev: bigint
  readonly mtimeNs: bigint
  readonly ctimeNs: bigint
}

export interface TreeSnapshot {
  /** Wall-clock time the walk began, in nanoseconds since the epoch. */
  readonly startedNs: bigint
  /** Every entry below the directory (the directory itself as ""), by relative path. */
  readonly entries: ReadonlyMap<string, EntryFacts>
}

function facts(info: BigIntStats): EntryFacts {
  return {
    mode: info.mode,
    uid: info.uid,
    gid: info.gid,
    size: info.size,
    ino: info.ino,
    nlink: info.nlink,
    rdev: info.rdev,
    mtimeNs: info.mtimeNs,
    ctimeNs: info.ctimeNs,
  }
}

/** Walk `dir` (synchronously: thousands of lstat calls on tmpfs), leaving out top-level `skip` names. */
export function snapshotTree(dir: string, skip: readonly string[] = []): TreeSnapshot {
  const startedNs = BigInt(Date.now()) * 1_000_000n
  const entries = new Map<string, EntryFacts>()
  const top = lstatSync(dir, { bigint: true })
  entries.set('', facts(top))
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      if (rel === '' && skip.includes(name)) continue
      const path = rel === '' ? name : `${rel}/${name}`
      const info = lstatSync(join(dir, path), { bigint: true })
      // A mount point of another filesystem (/proc, /dev in an open chroot): neither it nor
      // what is below it belongs to the tree.
      if (info.dev !== top.dev) continue
      entries.set(path, facts(info))
      if (info.isDirectory()) walk(path)
    }
  }
  walk('')
  return { startedNs, entries }
}

const FIELDS = ['mode', 'uid', 'gid', 'size', 'ino', 'nlink', 'rdev', 'mtimeNs', 'ctimeNs'] as const

/**
 * The paths that differ between two snapshots, sorted: created, deleted, or with any fact
 * changed. For the paths in `ctimeMayDiffer` every fact but the ctime is compared.
 */
export function changedPaths(
  before: TreeSnapshot,
  after: TreeSnapshot,
  ctimeMayDiffer: ReadonlySet<string> = new Set(),
): string[] {
  const out = new Set<string>()
  for (const [path, was] of before.entries) {
    const now = after.entries.get(path)
    if (now === undefined) {
      out.add(path)
      continue
    }
    const fields = ctimeMayDiffer.has(path) ? FIELDS.filter((f) => f !== 'ctimeNs') : FIELDS
    if (fields.some((f) => was[f] !== now[f])) out.add(path)
  }
  for (const path of after.entries.keys()) if (!before.entries.has(path)) out.add(path)
  return [...out].sort()
}

/** Entries whose last change is too close to the snapshot's start for a later one to show. */
export function racyEntries(snapshot: TreeSnapshot): string[] {
  const out: string[] = []
  for (const [path, f] of snapshot.entries)
    if (f.ctimeNs >= snapshot.startedNs - RACY_NS) out.push(path)
  return out.sort()
}
