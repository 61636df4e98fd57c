// Moving a finished output to its final name: deal with the old image there, rename, write the
// checksum files (also atomically) and announce the artifacts.
import { rename, stat, writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { Reporter } from '../report/events.ts'
import {
  checksumPathFor,
  formatChecksumLine,
  type ChecksumAlgorithm,
  type Checksums,
} from './checksum.ts'
import type { OutputFormat } from './formats.ts'
import { removeStaleChecksums, retireOldOutput } from './naming.ts'
import type { PartialFiles } from './partial-files.ts'

export interface ProducedFile {
  readonly format: OutputFormat
  readonly finalPath: string
  readonly partialPath: string
  readonly checksums: Checksums
}

export interface OutputArtifact {
  readonly path: string
  /** The `-t` type that asked for it. */
  readonly format: string
  readonly bytes: number
  readonly checksums: Checksums
  /** `<path>.md5` / `<path>.sha256`, as written. */
  readonly checksumFiles: readonly string[]
}

export interface CommitContext {
  readonly imageName: string
  readonly overwrite: boolean
  readonly algorithms: readonly ChecksumAlgorithm[]
  readonly reporter: Reporter
  readonly partials: PartialFiles
  readonly now: () => Date
}

function display(path: string): string {
  const near = relative(process.cwd(), path)
  return near.startsWith('..') ? path : near
}

async function writeChecksumFile(
  file: ProducedFile,
  algorithm: ChecksumAlgorithm,
  context: CommitContext,
): Promise<string | undefined> {
  const hash = file.checksums[algorithm]
  if (hash === undefined) return undefined
  const target = checksumPathFor(file.finalPath, algorithm)
  const partial = context.partials.reserve(target)
  await writeFile(partial, formatChecksumLine(hash, file.finalPath))
  await rename(partial, target)
  context.partials.release(partial)
  const { size } = await stat(target)
  context.reporter.emit({ kind: 'artifact', path: target, format: algorithm, bytes: size })
  return target
}

export async function commitOutput(
  file: ProducedFile,
  context: CommitContext,
): Promise<OutputArtifact> {
  if (context.overwrite) {
    await removeStaleChecksums(file.finalPath, context.algorithms)
  } else {
    const moved = await retireOldOutput(context.imageName, file.format, context.now())
    const old = moved[0]
    if (old) {
      context.reporter.emit({
        kind: 'info',
        message: `Kept the previous "${display(old.from)}" as "${display(old.to)}" (set OVERWRITE_OLD_IMAGE=1 to replace it)`,
      })
    }
  }
  await rename(file.partialPath, file.finalPath)
  context.partials.release(file.partialPath)
  const { size } = await stat(file.finalPath)
  context.reporter.emit({
    kind: 'artifact',
    path: file.finalPath,
    format: file.format.type,
    bytes: size,
  })
  const checksumFiles: string[] = []
  for (const algorithm of context.algorithms) {
    const written = await writeChecksumFile(file, algorithm, context)
    if (written !== undefined) checksumFiles.push(written)
  }
  return {
    path: file.finalPath,
    format: file.format.type,
    bytes: size,
    checksums: file.checksums,
    checksumFiles,
  }
}
