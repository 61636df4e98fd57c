// Finds every element on the search path (ELEMENTS_PATH entries, then the built-in elements
// directory) and reads its element-deps and element-provides files.
import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ElementError } from '../errors.ts'
import { describeFsError, errnoCode } from '../util/fs-error.ts'
import { compareBytes } from '../util/sort-n.ts'
import { parseElementList } from './element-list.ts'

/** One element as found on disk. */
export interface ElementInfo {
  readonly name: string
  /** Real path of the element directory (symlinks resolved). */
  readonly path: string
  /** Names listed in `element-deps`, in file order, without duplicates. */
  readonly deps: readonly string[]
  /** Names listed in `element-provides`, in file order, without duplicates. */
  readonly provides: readonly string[]
}

/** An element hidden by a same-named element in an earlier search path entry. */
export interface ElementOverride {
  readonly name: string
  /** The element that is used. */
  readonly usedPath: string
  /** The element that is ignored. */
  readonly ignoredPath: string
}

export interface DiscoveredElements {
  /** Every usable element by name, in discovery order (path entry order, then name order). */
  readonly elements: ReadonlyMap<string, ElementInfo>
  /** Shadowed elements, so the caller can warn about them. */
  readonly overrides: readonly ElementOverride[]
  /** The search path as given, for error hints. */
  readonly searchPath: readonly string[]
}

/** Scan the search path; an element in an earlier entry overrides a same-named later one. */
export async function discoverElements(searchPath: readonly string[]): Promise<DiscoveredElements> {
  const found = new Map<string, string>()
  const overrides: ElementOverride[] = []
  for (const entry of searchPath) {
    for (const [name, path] of await listElementDirs(entry)) {
      const usedPath = found.get(name)
      if (usedPath === undefined) found.set(name, path)
      // The same directory listed twice on the path is not an override worth a warning.
      else if (usedPath !== path) overrides.push({ name, usedPath, ignoredPath: path })
    }
  }
  const elements = new Map<string, ElementInfo>()
  for (const [name, path] of found) {
    const [deps, provides] = await Promise.all([
      readElementList(join(path, 'element-deps')),
      readElementList(join(path, 'element-provides')),
    ])
    elements.set(name, { name, path, deps, provides })
  }
  return { elements, overrides, searchPath: [...searchPath] }
}

/**
 * Sub-directories of one path entry as [name, real path], sorted by name so discovery order
 * never depends on the file system's directory order.
 */
export async function listElementDirs(entry: string): Promise<[string, string][]> {
  const isDirectory = await stat(entry).then(
    (info) => info.isDirectory(),
    () => false,
  )
  if (!isDirectory) {
    throw new ElementError(`ELEMENTS_PATH entry '${entry}' is not a directory`, {
      hint: 'Create the directory or remove it from ELEMENTS_PATH',
    })
  }
  let names: string[]
  try {
    names = await readdir(entry)
  } catch (error) {
    throw new ElementError(`Cannot list elements in '${entry}': ${describeFsError(error)}`, {
      hint: 'Check the permissions of the ELEMENTS_PATH entry',
      cause: error,
    })
  }
  names.sort(compareBytes)
  const dirs: [string, string][] = []
  for (const name of names) {
    // Hidden directories (.git, editor state) are never elements, and a name starting with a
    // dot could not be passed on a command line unnoticed anyway.
    if (name.startsWith('.')) continue
    const candidate = join(entry, name)
    // stat follows symlinks: a symlink to an element directory is an element, as in DIB.
    const info = await stat(candidate).catch(() => undefined)
    if (info?.isDirectory()) dirs.push([name, await realpath(candidate)])
  }
  return dirs
}

async function readElementList(file: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return []
    throw new ElementError(`Cannot read '${file}': ${describeFsError(error)}`, {
      hint: 'Make it a readable text file with one element name per line',
      cause: error,
    })
  }
  return parseElementList(text, file)
}
