// The submitter's own elements travel with a job as one tar archive named by its sha256, so a
// worker needs no file system in common with the submitter and the same elements are stored
// once however many jobs use them. The archive is made reproducible (sorted names, owner 0,
// time 0), so equal element trees give equal digests.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BUILTIN_ELEMENTS_DIR } from '../util/package-paths.ts'
import type { Runner } from '../exec/command.ts'
import { isInside } from '../util/is-inside.ts'
import { FarmJobError } from './farm-errors.ts'

export interface ElementBundle {
  readonly digest: string
  readonly archive: Buffer
  /** Names of the elements inside, one directory each at the top of the archive. */
  readonly elements: readonly string[]
}

/** The resolved elements that are not built into imagewright: those must travel. */
export function localElements<T extends { readonly name: string; readonly path: string }>(
  elements: readonly T[],
  builtinDir = BUILTIN_ELEMENTS_DIR,
): T[] {
  return elements.filter((element) => !isInside(builtinDir, element.path))
}

export function digestOf(archive: Buffer): string {
  return `sha256:${createHash('sha256').update(archive).digest('hex')}`
}

/** Archive `elements` (each under its own name) in a scratch directory below `tmpDir`. */
export async function packElements(
  elements: readonly { readonly name: string; readonly path: string }[],
  deps: { readonly runner: Runner; readonly tmpDir: string },
): Promise<ElementBundle> {
  const scratch = await mkdtemp(join(deps.tmpDir, 'iw-bundle-')).catch((error: unknown) => {
    throw new FarmJobError(
      `Cannot pack the local elements in TMPDIR "${deps.tmpDir}": ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Set TMPDIR to a directory that exists and is writable',
      },
    )
  })
  try {
    const tree = join(scratch, 'elements')
    await deps.runner.run({ argv: ['mkdir', '-p', tree] }, { quiet: true })
    // Copied first, so a symlinked element directory travels under its element name.
    for (const element of elements) {
      await deps.runner.run(
        { argv: ['cp', '-a', `${element.path}/.`, join(tree, element.name)] },
        { quiet: true },
      )
    }
    const file = join(scratch, 'elements.tar')
    await deps.runner.run(
      {
        argv: [
          'tar',
          '--sort=name',
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          '--mtime=@0',
          '--format=gnu',
          '-C',
          tree,
          '-cf',
          file,
          '.',
        ],
      },
      { quiet: true },
    )
    const archive = await readFile(file)
    return { digest: digestOf(archive), archive, elements: elements.map((e) => e.name) }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Check `archive` against the digest the job names and unpack it into `dir` (which exists). */
export async function unpackElements(
  archive: Buffer,
  digest: string,
  dir: string,
  runner: Runner,
): Promise<void> {
  const actual = digestOf(archive)
  if (actual !== digest) {
    throw new FarmJobError(
      `Cannot use the job's element archive: its content is ${actual}, the job names ${digest}`,
    )
  }
  const file = `${dir}.tar`
  await writeFile(file, archive)
  try {
    await runner.run({ argv: ['tar', '--no-same-owner', '-C', dir, '-xf', file] }, { quiet: true })
  } finally {
    await rm(file, { force: true })
  }
}
