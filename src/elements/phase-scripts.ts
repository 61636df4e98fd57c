// Which scripts of a phase directory run, and in which order: dib-run-parts' rules.
import { readDirEntries, type DirEntry } from './dir-entries.ts'
import { compareSortN } from '../util/sort-n.ts'

/** DIB's default RUN_PARTS_REGEX: no dots, so `foo.sh` never runs. */
export const RUN_PARTS_REGEX = /^[0-9A-Za-z_-]+$/

export interface PhaseScript {
  readonly name: string
  readonly path: string
}

export type SkipReason = 'broken-symlink' | 'not-a-regular-file' | 'not-executable' | 'bad-name'

/** A file in a phase directory that will not run, and why. */
export interface SkippedFile {
  readonly name: string
  readonly path: string
  readonly reason: SkipReason
}

export interface PhaseScriptList {
  /** The scripts to run, in `LANG=C sort -n` order. */
  readonly scripts: readonly PhaseScript[]
  /** Files that look like they were meant to run but will not, in the same order. */
  readonly skipped: readonly SkippedFile[]
}

export interface PhaseScriptOptions {
  /** Names that may run; DIB reads it from RUN_PARTS_REGEX. */
  readonly nameRegex?: RegExp
}

/**
 * List what dib-run-parts would run from `phaseDir`: regular files (symlinks followed) that are
 * executable and whose name matches the regex. A missing directory has no scripts.
 * Sub-directories are neither run nor reported: install-types keeps its
 * `<prefix>-<type>-install/` alternatives there on purpose. DIB skips the other files silently;
 * they are returned so the caller can warn.
 */
export async function listPhaseScripts(
  phaseDir: string,
  options: PhaseScriptOptions = {},
): Promise<PhaseScriptList> {
  const nameRegex = withoutState(options.nameRegex ?? RUN_PARTS_REGEX)
  const entries = (await readDirEntries(phaseDir)) ?? []
  const scripts: PhaseScript[] = []
  const skipped: SkippedFile[] = []
  for (const entry of entries) {
    if (entry.kind === 'directory') continue
    const reason = findSkipReason(entry, nameRegex)
    if (reason === undefined) scripts.push({ name: entry.name, path: entry.path })
    else skipped.push({ name: entry.name, path: entry.path, reason })
  }
  scripts.sort((a, b) => compareSortN(a.name, b.name))
  skipped.sort((a, b) => compareSortN(a.name, b.name))
  return { scripts, skipped }
}

// One reason per file, the most basic first: type, then the executable bit, then the name.
function findSkipReason(entry: DirEntry, nameRegex: RegExp): SkipReason | undefined {
  if (entry.kind === 'broken-symlink') return 'broken-symlink'
  if (entry.kind !== 'file') return 'not-a-regular-file'
  // Hooks run as root, for whom any execute bit makes a file executable (find -executable).
  if ((entry.stats.mode & 0o111) === 0) return 'not-executable'
  if (!nameRegex.test(entry.name)) return 'bad-name'
  return undefined
}

// A global or sticky regex keeps lastIndex between test() calls and would skip every other match.
function withoutState(regex: RegExp): RegExp {
  return regex.global || regex.sticky
    ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, ''))
    : regex
}
