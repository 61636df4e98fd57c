// Builds throw-away element trees for tests, in the style of DIB's element-dependency tests:
// elements come from (name, deps, provides) rows plus optional extra files.
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { onTestFinished } from 'vitest'

/** A file's content (mode 0644), content with a mode, or a symlink to `symlink`. */
export type FileSpec =
  string | { readonly content: string; readonly mode: number } | { readonly symlink: string }

export interface ElementSpec {
  readonly name: string
  /** Written to element-deps, one per line, when given. */
  readonly deps?: readonly string[]
  /** Written to element-provides, one per line, when given. */
  readonly provides?: readonly string[]
  /** More files, by path relative to the element directory. */
  readonly files?: Readonly<Record<string, FileSpec>>
}

/** One row per element: name, element-deps, element-provides. */
export type ElementRow = readonly [
  name: string,
  deps?: readonly string[],
  provides?: readonly string[],
]

/** An executable script (mode 0755). */
export function script(body = 'true'): FileSpec {
  return { content: `#!/bin/bash\n${body}\n`, mode: 0o755 }
}

/**
 * A fresh temporary directory (its real path, so it compares equal to discovered element
 * paths), removed when the current test finishes.
 */
export async function useTempDir(prefix = 'iw-elements-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Turn table rows into specs; like DIB's fixtures, both list files are always written. */
export function elementsFromRows(rows: readonly ElementRow[]): ElementSpec[] {
  return rows.map(([name, deps = [], provides = []]) => ({ name, deps, provides }))
}

/** Write each element as a sub-directory of `root` (created if needed); returns `root`. */
export async function writeElementTree(
  root: string,
  specs: readonly ElementSpec[],
): Promise<string> {
  await mkdir(root, { recursive: true })
  for (const spec of specs) await writeElement(root, spec)
  return root
}

/** Write one element directory under `root`; returns its path. */
export async function writeElement(root: string, spec: ElementSpec): Promise<string> {
  const dir = join(root, spec.name)
  await mkdir(dir, { recursive: true })
  // No trailing newline, as DIB's fixtures write them: the parser must not need one.
  if (spec.deps !== undefined) await writeFile(join(dir, 'element-deps'), spec.deps.join('\n'))
  if (spec.provides !== undefined) {
    await writeFile(join(dir, 'element-provides'), spec.provides.join('\n'))
  }
  await writeFiles(dir, spec.files ?? {})
  return dir
}

/** Write files (and their parent directories) below `root`. */
export async function writeFiles(
  root: string,
  files: Readonly<Record<string, FileSpec>>,
): Promise<void> {
  for (const [relative, spec] of Object.entries(files)) {
    const path = join(root, relative)
    await mkdir(dirname(path), { recursive: true })
    if (typeof spec === 'string') {
      await writeFile(path, spec)
      await chmod(path, 0o644)
    } else if ('symlink' in spec) {
      await symlink(spec.symlink, path)
    } else {
      await writeFile(path, spec.content)
      await chmod(path, spec.mode)
    }
  }
}
