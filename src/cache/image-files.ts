// The image step's result: the output files, stored by their path relative to the output
// directory and copied back with a temporary name and a rename, so a reader of the output
// never sees half a file.
import { constants, copyFile, mkdir, rename, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { sha256OfFile } from '../util/file-digest.ts'

async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([
    stat(a).catch(() => undefined),
    stat(b).catch(() => undefined),
  ])
  if (sa === undefined || sb === undefined || sa.size !== sb.size) return false
  return (await sha256OfFile(a)) === (await sha256OfFile(b))
}

/** Paths relative to `outputDir`; undefined when one lies outside it. */
export function relativeOutputs(outputDir: string, paths: readonly string[]): string[] | undefined {
  const rel = paths.map((p) => relative(outputDir, resolve(p)))
  return rel.some((r) => r.startsWith('..') || r === '') ? undefined : rel
}

export async function copyInto(
  fromDir: string,
  toDir: string,
  files: readonly string[],
): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(toDir, file)), { recursive: true })
    // A clone where the filesystem can (btrfs, xfs), a copy elsewhere.
    await copyFile(join(fromDir, file), join(toDir, file), constants.COPYFILE_FICLONE)
  }
}

/** The output files that exist and differ from the stored ones (a full build would keep them aside). */
export async function differingOutputs(
  entryDir: string,
  outputDir: string,
  files: readonly string[],
): Promise<string[]> {
  const differing: string[] = []
  for (const file of files) {
    const target = join(outputDir, file)
    if ((await stat(target).catch(() => undefined)) === undefined) continue
    if (!(await sameContent(join(entryDir, file), target))) differing.push(target)
  }
  return differing
}

export async function restoreOutputs(
  entryDir: string,
  outputDir: string,
  files: readonly string[],
): Promise<string[]> {
  const written: string[] = []
  for (const file of files) {
    const target = join(outputDir, file)
    const partial = `${target}.iw-cache-${process.pid}`
    await copyFile(join(entryDir, file), partial, constants.COPYFILE_FICLONE)
    await rename(partial, target)
    written.push(target)
  }
  return written
}
