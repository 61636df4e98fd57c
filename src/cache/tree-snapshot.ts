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

/** A change this close before a snapshot began may share its ctime with a later one: longer
 * than a scheduler tick (10 ms at HZ=100), with room for Date.now()'s millisecond rounding. */
const RACY_NS = 20_000_000n
/** How long to wait after the last expected change before a snapshot, so that none is racy. */
export const SETTLE_MS = 50

export interface TreeSnapshot {
  /** Wall-clock time the walk began, in nanoseconds since the epoch. */
  readonly startedNs: bigint
  /**
   * Every entry below the directory (the directory itself as ""), by relative path: its facts
   * as one string, the ctime last ("type mode uid gid size ino nlink mtime|ctime"). Strings,
   * not objects of bigints: a Debian tree has about 25,000 entries and a build holds up to
   * three snapshots at once.
   */
  readonly entries: ReadonlyMap<string, string>
}

const withoutCtime = (facts: string): string => facts.slice(0, facts.lastIndexOf('|'))

/** find's "%C@" (seconds, a dot, ten digits) in nanoseconds. */
function ctimeOf(facts: string): bigint {
  const [seconds = '0', fraction = ''] = facts.slice(facts.lastIndexOf('|') + 1).split('.')
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9))
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
  // One line per entry, its path last: a path with a newline in it goes on over the next
  // line(s), which have no NUL.
  const { stdout } = await runner.run(
    {
      argv: ['find', dir, '-xdev', ...pruned, '-printf', '%D %y %m %U %G %s %i %n %T@|%C@\\0%P\\n'],
      label: 'cache: read the state of the build directory',
    },
    { quiet: true, stdoutIsData: true },
  )
  const records: [string, string][] = []
  const lines = stdout.split('\n')
  if (lines.at(-1) === '') lines.pop()
  for (const line of lines) {
    const nul = line.indexOf('\0')
    const last = records.at(-1)
    if (nul >= 0) records.push([line.slice(nul + 1), line.slice(0, nul)])
    else if (last !== undefined) last[0] += `\n${line}`
  }
  const entries = new Map<string, string>()
  const device = (facts: string): string => facts.slice(0, facts.indexOf(' '))
  const top = device(records[0]?.[1] ?? '')
  for (const [path, facts] of records) {
    // A mount point of another filesystem (/proc, /dev in an open chroot): not the tree's.
    if (device(facts) === top) entries.set(path, facts.slice(facts.indexOf(' ') + 1))
  }
  return { startedNs, entries }
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
  const out = new Set<string>()
  for (const [path, was] of before.entries) {
    const now = after.entries.get(path)
    if (now === undefined) {
      out.add(path)
      continue
    }
    const differs = ctimeMayDiffer.has(path) ? withoutCtime(was) !== withoutCtime(now) : was !== now
    if (differs) out.add(path)
  }
  for (const path of after.entries.keys()) if (!before.entries.has(path)) out.add(path)
  return [...out].sort()
}

/** Entries whose last change is too close to the snapshot's start for a later one to show. */
export function racyEntries(snapshot: TreeSnapshot): string[] {
  const out: string[] = []
  for (const [path, f] of snapshot.entries)
    if (ctimeOf(f) >= snapshot.startedNs - RACY_NS) out.push(path)
  return out.sort()
}
