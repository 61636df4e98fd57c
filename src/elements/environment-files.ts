// Which environment.d files dib-run-parts sources before each phase, and in which order.
import { readDirEntries } from './dir-entries.ts'
import type { SkippedFile } from './phase-scripts.ts'
import { compareSortN } from '../util/sort-n.ts'

/** Unlike hook names, environment file names may contain dots (`10-foo.bash`). */
export const ENVIRONMENT_FILE_REGEX = /^[0-9A-Za-z_.-]+$/

export interface EnvironmentFile {
  readonly name: string
  readonly path: string
}

export interface EnvironmentFileList {
  /** Files to source, in `LANG=C sort -n` order. */
  readonly files: readonly EnvironmentFile[]
  /** Files that will not be sourced (badly named or not regular files), in the same order. */
  readonly skipped: readonly SkippedFile[]
}

/**
 * List the files of `environmentDir` (the merged `environment.d`) to source: regular files,
 * symlinks followed, named like ENVIRONMENT_FILE_REGEX. They are sourced, so the executable bit
 * does not matter. A missing directory has none.
 */
export async function listEnvironmentFiles(environmentDir: string): Promise<EnvironmentFileList> {
  const files: EnvironmentFile[] = []
  const skipped: SkippedFile[] = []
  for (const entry of (await readDirEntries(environmentDir)) ?? []) {
    const { name, path } = entry
    if (entry.kind === 'directory') continue
    if (entry.kind === 'broken-symlink') skipped.push({ name, path, reason: 'broken-symlink' })
    else if (entry.kind !== 'file') skipped.push({ name, path, reason: 'not-a-regular-file' })
    else if (!ENVIRONMENT_FILE_REGEX.test(name)) skipped.push({ name, path, reason: 'bad-name' })
    else files.push({ name, path })
  }
  files.sort((a, b) => compareSortN(a.name, b.name))
  skipped.sort((a, b) => compareSortN(a.name, b.name))
  return { files, skipped }
}
