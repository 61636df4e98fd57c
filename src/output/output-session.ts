// The shared machinery of one output call: the request, the jobs that make files under
// temporary names, and the commit that renames them into place once every job succeeded.
import { mkdir } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, resolve } from 'node:path'
import type { Runner } from '../exec/command.ts'
import { hostEnv } from '../exec/run.ts'
import type { Reporter } from '../report/events.ts'
import { hashFile, type ChecksumAlgorithm } from './checksum.ts'
import type { QcowCompression } from './commands.ts'
import { commitOutput, type OutputArtifact, type ProducedFile } from './commit.ts'
import { gzipTool, requireHostTools, toOutputError } from './failures.ts'
import {
  resolveOutputFormats,
  type FormatOf,
  type OutputFormat,
  type OutputSource,
} from './formats.ts'
import type { PartialFiles } from './partial-files.ts'
import { runLimited } from './run-limited.ts'

export interface OutputRequest {
  /** The image base name, already resolved from `-o` (see `resolveImageName`). */
  readonly imageName: string
  /** Every type of the build (`-t`); each function picks the ones it makes. */
  readonly types: readonly string[]
  readonly rawImagePath?: string | undefined
  readonly rootTree?: string | undefined
  readonly uncompressed: boolean
  readonly qemuImgOptions?: string | undefined
  /** IMAGEWRIGHT_QCOW2_COMPRESSION: qcow2's compression type when compressing. */
  readonly qcowCompression?: QcowCompression | undefined
  readonly checksums: readonly ChecksumAlgorithm[]
  readonly overwrite: boolean
  readonly gzipBin?: string | undefined
  readonly sourceDateEpoch?: number | undefined
  /** Image reference for oci/docker (`--docker-target`); defaults to `<name>:latest`. */
  readonly ociTag?: string | undefined
  readonly arch: string
  /** The raw image is not needed afterwards: move it to `NAME.raw` instead of copying. */
  readonly consumeRawImage?: boolean | undefined
}

export interface OutputDeps {
  readonly runner: Runner
  readonly reporter: Reporter
  readonly signal?: AbortSignal | undefined
  /** Concurrent conversions; defaults to the number of usable cores. */
  readonly parallelism?: number | undefined
  /** Clock for the names old images are kept under. */
  readonly now?: (() => Date) | undefined
}

export interface Job {
  readonly format: OutputFormat
  readonly finalPath: string
  readonly run: () => Promise<ProducedFile[]>
}

export interface Session {
  readonly request: OutputRequest
  readonly deps: OutputDeps
  readonly partials: PartialFiles
}

export function selectFormats<S extends OutputSource>(
  types: readonly string[],
  source: S,
): FormatOf<S>[] {
  const formats = resolveOutputFormats(types)
  return formats.filter((format): format is OutputFormat & FormatOf<S> => format.source === source)
}

export function currentTime(deps: OutputDeps): Date {
  return deps.now ? deps.now() : new Date()
}

/** Check tools, say what differs from diskimage-builder, and make the output directory. */
export async function prepareSession(
  formats: readonly OutputFormat[],
  session: Session,
): Promise<void> {
  const { request, deps } = session
  const tools = formats.flatMap((format) => format.tools)
  if (formats.some((format) => format.producer === 'tgz')) tools.push(gzipTool(request.gzipBin))
  await requireHostTools(tools, hostEnv()['PATH'] ?? '')
  for (const format of formats) {
    if (format.note) {
      deps.reporter.emit({ kind: 'info', message: `Image type "${format.type}" ${format.note}` })
    }
  }
  await mkdir(dirname(resolve(request.imageName)), { recursive: true })
}

export async function checksummed(
  session: Session,
  format: OutputFormat,
  finalPath: string,
  partialPath: string,
): Promise<ProducedFile> {
  const checksums = await hashFile(partialPath, session.request.checksums, session.deps.signal)
  return { format, finalPath, partialPath, checksums }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function runBatch(session: Session, batch: readonly Job[]): Promise<ProducedFile[]> {
  const { deps } = session
  const wrapped = batch.map((job) => async () => {
    try {
      return await job.run()
    } catch (error) {
      if (deps.signal?.aborted) throw deps.signal.reason
      throw toOutputError(error, { type: job.format.type, path: job.finalPath })
    }
  })
  const limit = deps.parallelism ?? availableParallelism()
  const { results, errors } = await runLimited(wrapped, limit, deps.signal)
  if (errors.length > 0) {
    for (const other of errors.slice(1)) {
      deps.reporter.emit({ kind: 'warning', message: messageOf(other) })
    }
    throw errors[0]
  }
  return results.flatMap((files) => files ?? [])
}

/**
 * Run the batches in order (jobs within a batch in parallel), then commit everything they
 * made in the order the types were requested. Whatever is left temporary is removed, also on
 * failure, so the only files that ever appear under final names are complete ones.
 */
export async function produceAndCommit(
  session: Session,
  batches: readonly (readonly Job[])[],
): Promise<OutputArtifact[]> {
  const { request, deps, partials } = session
  try {
    const produced: ProducedFile[] = []
    for (const batch of batches) produced.push(...(await runBatch(session, batch)))
    const order = (file: ProducedFile): number => request.types.indexOf(file.format.type)
    produced.sort((a, b) => order(a) - order(b))
    const context = {
      imageName: request.imageName,
      overwrite: request.overwrite,
      algorithms: request.checksums,
      reporter: deps.reporter,
      partials,
      now: () => currentTime(deps),
    }
    const artifacts: OutputArtifact[] = []
    for (const file of produced) {
      try {
        artifacts.push(await commitOutput(file, context))
      } catch (error) {
        throw toOutputError(error, { type: file.format.type, path: file.finalPath })
      }
    }
    return artifacts
  } finally {
    await partials.removeAll().catch((error: unknown) => {
      deps.reporter.emit({ kind: 'warning', message: `${messageOf(error)}: remove them by hand` })
    })
  }
}
