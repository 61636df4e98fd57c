// The merged hooks tree ($TMP_HOOKS_PATH): every element's sub-directories merged into one tree,
// so that one phase directory holds the hooks of all elements.
import { chmod, copyFile, mkdir, readdir, rm, utimes } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join } from 'node:path'
import { ElementError } from '../errors.ts'
import { readDirEntries, type DirEntry } from './dir-entries.ts'
import { describeFsError } from '../util/fs-error.ts'

/** Element sub-directories that are not part of the hooks tree. */
export const EXCLUDED_ELEMENT_DIRS: ReadonlySet<string> = new Set([
  'tests',
  '__pycache__',
  'test-elements',
])

/** What buildHooksTree needs of an element (a ResolvedElement fits). */
export interface HookSource {
  readonly name: string
  readonly path: string
}

/** Where one file of the merged tree came from. */
export interface HookOrigin {
  readonly element: string
  /** The file in the element, as given (symlinks not resolved). */
  readonly source: string
}

export interface HooksTree {
  readonly root: string
  /**
   * Every file in the tree by its path relative to `root` ('install.d/50-foo', 'element-deps'),
   * mapped to the element it came from. For top-level files, the last element that had one.
   */
  readonly origins: ReadonlyMap<string, HookOrigin>
}

/**
 * Merge `elements`, in order, into `dest` (created if missing; must be empty). Sub-directories
 * merge recursively and a file name present in two elements is an ElementError naming both;
 * top-level files are copied into `dest` itself, later elements overwriting earlier ones.
 * Symlinks are followed; file modes and times are kept.
 */
export async function buildHooksTree(
  elements: readonly HookSource[],
  dest: string,
): Promise<HooksTree> {
  await prepareDestination(dest)
  const builder = new TreeBuilder(dest)
  for (const element of elements) await builder.addElement(element)
  await builder.finish()
  return { root: dest, origins: builder.origins }
}

async function prepareDestination(dest: string): Promise<void> {
  try {
    await mkdir(dest, { recursive: true })
    if ((await readdir(dest)).length === 0) return
  } catch (error) {
    throw new ElementError(`Cannot create the hooks tree '${dest}': ${describeFsError(error)}`, {
      cause: error,
    })
  }
  throw new ElementError(`Cannot create the hooks tree in '${dest}': the directory is not empty`)
}

class TreeBuilder {
  readonly origins = new Map<string, HookOrigin>()
  readonly #dest: string
  /** Merged directories by relative path, with the element that created each. */
  readonly #directories = new Map<string, HookOrigin>()
  /** Directory modes are applied last so a read-only directory can still be filled. */
  readonly #directoryModes: { path: string; mode: number }[] = []

  constructor(dest: string) {
    this.#dest = dest
  }

  async addElement(element: HookSource): Promise<void> {
    const entries = await readDirEntries(element.path)
    if (entries === undefined) {
      throw new ElementError(`Cannot read element '${element.name}': '${element.path}' is gone`)
    }
    for (const entry of entries) {
      if (entry.kind === 'directory') {
        if (EXCLUDED_ELEMENT_DIRS.has(entry.name)) continue
        await this.#mergeDirectory(element.name, entry, entry.name, [])
      } else {
        await this.#copyTopLevelFile(element.name, entry)
      }
    }
  }

  async finish(): Promise<void> {
    // Deepest first, so no directory loses its write bit before its children are done.
    const modes = [...this.#directoryModes].sort((a, b) => b.path.length - a.path.length)
    for (const { path, mode } of modes) await chmod(path, mode)
  }

  async #copyTopLevelFile(element: string, entry: DirEntry): Promise<void> {
    const stats = requireFile(entry)
    if (stats === undefined) return
    const clash = this.#directories.get(entry.name)
    if (clash !== undefined) throw fileDirectoryClash(entry.name, clash, element, entry.path)
    const target = join(this.#dest, entry.name)
    if (this.origins.has(entry.name)) await rm(target, { force: true })
    await copyWithMetadata(entry.path, target, stats)
    this.origins.set(entry.name, { element, source: entry.path })
  }

  async #mergeDirectory(
    element: string,
    entry: DirEntry,
    relative: string,
    ancestors: readonly Stats[],
  ): Promise<void> {
    if (entry.kind !== 'directory') return
    const { stats } = entry
    // A symlink to one of its own ancestors would make the tree infinitely deep.
    if (ancestors.some((a) => a.dev === stats.dev && a.ino === stats.ino)) {
      throw new ElementError(`Cannot copy '${entry.path}': it is a symlink loop`, {
        hint: `Remove the symlink from element '${element}'`,
      })
    }
    const file = this.origins.get(relative)
    if (file !== undefined) throw fileDirectoryClash(relative, file, element, entry.path)
    if (!this.#directories.has(relative)) {
      const target = join(this.#dest, relative)
      await mkdir(target).catch((error: unknown) => {
        throw new ElementError(`Cannot create '${target}': ${describeFsError(error)}`, {
          cause: error,
        })
      })
      this.#directories.set(relative, { element, source: entry.path })
      this.#directoryModes.push({ path: target, mode: stats.mode & 0o7777 })
    }
    for (const child of (await readDirEntries(entry.path)) ?? []) {
      const childRelative = `${relative}/${child.name}`
      if (child.kind === 'directory') {
        await this.#mergeDirectory(element, child, childRelative, [...ancestors, stats])
      } else {
        await this.#copyHook(element, child, childRelative)
      }
    }
  }

  async #copyHook(element: string, entry: DirEntry, relative: string): Promise<void> {
    const stats = requireFile(entry)
    if (stats === undefined) return
    const directory = this.#directories.get(relative)
    if (directory !== undefined) throw fileDirectoryClash(relative, directory, element, entry.path)
    const existing = this.origins.get(relative)
    if (existing !== undefined) {
      throw new ElementError(
        `Elements '${existing.element}' and '${element}' both contain '${relative}'`,
        {
          hint:
            `Hooks of all elements are merged into one tree, so names must be unique: rename ` +
            `'${existing.source}' or '${entry.path}', or do not use both elements`,
        },
      )
    }
    await copyWithMetadata(entry.path, join(this.#dest, relative), stats)
    this.origins.set(relative, { element, source: entry.path })
  }
}

// Regular files are copied; a dangling symlink cannot be, and special files are skipped like
// `find -type f` would.
function requireFile(entry: DirEntry): Stats | undefined {
  if (entry.kind === 'broken-symlink') {
    throw new ElementError(`Cannot copy '${entry.path}' into the hooks tree: broken symlink`, {
      hint: 'Fix or remove the symlink',
    })
  }
  return entry.kind === 'file' ? entry.stats : undefined
}

function fileDirectoryClash(
  relative: string,
  first: HookOrigin,
  element: string,
  source: string,
): ElementError {
  return new ElementError(
    `Elements '${first.element}' and '${element}' both contain '${relative}', once as a file ` +
      'and once as a directory',
    { hint: `Rename '${first.source}' or '${source}', or do not use both elements` },
  )
}

async function copyWithMetadata(source: string, target: string, stats: Stats): Promise<void> {
  try {
    await copyFile(source, target)
    await chmod(target, stats.mode & 0o7777)
    await utimes(target, stats.atime, stats.mtime)
  } catch (error) {
    throw new ElementError(
      `Cannot copy '${source}' into the hooks tree: ${describeFsError(error)}`,
      { cause: error },
    )
  }
}
