// Directory listing with symlinks followed, the way DIB's `find -follow` / `cp -L` see a tree.
import { lstat, readdir, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join } from 'node:path'
import { ElementError } from '../errors.ts'
import { describeFsError, errnoCode } from '../util/fs-error.ts'
import { compareBytes } from '../util/sort-n.ts'

/** A directory entry, classified after following symlinks. */
export type DirEntry =
  | {
      readonly name: string
      readonly path: string
      readonly kind: 'file' | 'directory' | 'other'
      /** Stats of the symlink target, or of the entry itself when it is not a symlink. */
      readonly stats: Stats
    }
  | { readonly name: string; readonly path: string; readonly kind: 'broken-symlink' }

/**
 * The entries of `dir` in byte order of their names, or undefined when `dir` does not exist.
 * A directory that exists but cannot be listed is an ElementError naming it.
 */
export async function readDirEntries(dir: string): Promise<DirEntry[] | undefined> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined
    throw new ElementError(`Cannot list '${dir}': ${describeFsError(error)}`, { cause: error })
  }
  names.sort(compareBytes)
  return Promise.all(names.map((name) => classifyEntry(dir, name)))
}

async function classifyEntry(dir: string, name: string): Promise<DirEntry> {
  const path = join(dir, name)
  try {
    const stats = await stat(path)
    const kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other'
    return { name, path, kind, stats }
  } catch (error) {
    // stat fails on a dangling symlink (or a symlink loop) while lstat still sees the link.
    const link = await lstat(path).catch(() => undefined)
    if (link?.isSymbolicLink()) return { name, path, kind: 'broken-symlink' }
    throw new ElementError(`Cannot read '${path}': ${describeFsError(error)}`, { cause: error })
  }
}
