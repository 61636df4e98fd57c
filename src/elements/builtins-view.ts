// The ELEMENTS_PATH hooks see. DIB's tools (package-installs-squash, svc-map) read every copy of
// an element found on that path, so a built-in element the user replaced must not be on it: the
// built-in directory is exported as a per-build directory of links to the built-ins nothing
// earlier on the path replaces.
import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { DiscoveredElements } from './discover.ts'

/** The directory, inside the build's work directory, that stands in for the built-in one. */
export const BUILTINS_VIEW_DIR = 'builtin-elements'

/** One built-in element by name and real path. */
export type BuiltinElement = readonly [name: string, path: string]

/**
 * The built-ins the build would use: those whose name the catalog resolves to the built-in copy
 * (an element of the same name earlier on the search path hides it).
 */
export function visibleBuiltins(
  catalog: Pick<DiscoveredElements, 'elements'>,
  builtins: readonly BuiltinElement[],
): BuiltinElement[] {
  return builtins.filter(([name, path]) => catalog.elements.get(name)?.path === path)
}

/** The search path exported to hooks: the user's entries, then the per-build built-ins view. */
export function exportedSearchPath(userEntries: readonly string[], buildDir: string): string[] {
  return [...userEntries, join(buildDir, BUILTINS_VIEW_DIR)]
}

/** Write the view: one symlink per visible built-in element. */
export async function stageBuiltinsView(
  buildDir: string,
  builtins: readonly BuiltinElement[],
): Promise<void> {
  const dir = join(buildDir, BUILTINS_VIEW_DIR)
  await mkdir(dir, { recursive: true })
  for (const [name, path] of builtins) await symlink(path, join(dir, name))
}
