// What a directory tree looks like to the kernel at one moment: every entry's type, mode,
// owner, size, inode, link count, mtime and ctime (nanoseconds). Two snapshots
// that agree prove that nothing below the directory was changed between them: a write, a
// chmod, a chown, an xattr or a rename changes the ctime, which no program can set back;
// an entry created or deleted changes the set of paths (a device node's numbers change only by
// making a new one). Other filesystems mounted below the
// directory are not entered (the step archive does not cross them either).
//
// The clock that stamps ctimes is coarse (a scheduler tick), so a change made in the same tick
// as the change before it can leave the ctime as it was. An entry whose ctime is that close to
// the moment its snapshot began is "racy": a later change could go unseen, so a snapshot with
// one proves nothing (`racyEntries`). Waiting `SETTLE_MS` after the last expected change
// before taking a snapshot makes that the exception.
import { join } from 'node:path'
import type { Runner } from '../exec/command.ts'
import { TreeListing } from './tree-listing.ts'

/** A change this close before a snapshot began may share its ctime with a later one: longer
 * than a scheduler tick (10 ms at HZ=100), with room for Date.now()'s millisecond rounding. */
const RACY_NS = 20_000_000n
/** How long to wait after the last expected change before a snapshot, so that none is racy. */
export const SETTLE_MS = 50

export interface TreeSnapshot {
  /** Wall-clock time the walk began, in nanoseconds since the epoch. */
  readonly startedNs: bigint
  /**
   * Every entry below the directory (the directory itself as ""): its facts "type mode uid gid
   * size ino nlink mtime|ctime" by path, as find wrote them (tree-listing.ts).
   */
  readonly entries: TreeListing
}

/**
 * Walk `dir` with find(1) (a Debian tree's 15,000 entries in a fifth of a second; Node's lstat
 * loop takes several times that), leaving out top-level `skip` names.
 */
export async function snapshotTree(
  dir: string,
  runner: Runner,
  skip: readonly string[] = [],
): Promise<TreeSnapshot> {
  const startedNs = BigInt(Date.now()) * 1_000_000n
  const pruned = skip.flatMap((name) => ['-path', join(dir, name), '-prune', '-o'])
  // The output is kept as it comes (a few MiB), not as lines: each entry is two NUL-terminated
  // fields, its facts and its path, so a path with a newline in it needs no care.
  const chunks: Buffer[] = []
  await runner.run(
    {
      argv: ['find', dir, '-xdev', ...pruned, '-printf', '%D %y %m %U %G %s %i %n %T@|%C@\\0%P\\0'],
      label: 'cache: read the state of the build directory',
    },
    { quiet: true, stdoutIsData: true, onStdoutChunk: (chunk) => chunks.push(chunk) },
  )
  return { startedNs, entries: new TreeListing(Buffer.concat(chunks)) }
}

/**
 * The paths that differ between two snapshots, sorted: created, deleted, or with any fact
 * changed. For the paths in `ctimeMayDiffer` every fact but the ctime is compared.
 */
export function changedPaths(
  before: TreeSnapshot,
  after: TreeSnapshot,
  ctimeMayDiffer: ReadonlySet<string> = new Set(),
): string[] {
  const was = before.entries
  const now = after.entries
  const out = new Set<string>()
  for (let i = 0; i < was.size; i++) {
    const j = now.find(was, i)
    if (j < 0 || was.sameFacts(i, now, j, true)) {
      if (j < 0) out.add(was.path(i))
      continue
    }
    const path = was.path(i)
    if (!ctimeMayDiffer.has(path) || !was.sameFacts(i, now, j, false)) out.add(path)
  }
  for (let j = 0; j < now.size; j++) if (was.find(now, j) < 0) out.add(now.path(j))
  return [...out].sort()
}

/** Entries whose last change is too close to the snapshot's start for a later one to show. */
export function racyEntries(snapshot: TreeSnapshot): string[] {
  const since = snapshot.startedNs - RACY_NS
  const threshold = {
    seconds: Number(since / 1_000_000_000n),
    nanos: Number(since % 1_000_000_000n),
  }
  const out: string[] = []
  const entries = snapshot.entries
  for (let i = 0; i < entries.size; i++)
    if (entries.changedSince(i, threshold)) out.push(entries.path(i))
  return out.sort()
}
