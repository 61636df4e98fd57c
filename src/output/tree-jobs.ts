// The jobs that pack the root tree: tar and tgz (one pass serves both), squashfs, and OCI.
import { rename, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ProducedFile } from './commit.ts'
import type { FormatOf, OutputFormat, ProducerOf } from './formats.ts'
import { outputPathFor } from './naming.ts'
import { writeOciArchive } from './oci-archive.ts'
import { defaultImageReference, mapOciPlatform, parseImageReference } from './oci-layout.ts'
import { checksummed, currentTime, type Job, type Session } from './output-session.ts'
import { gzipFile, makeSquashfs, packTree } from './produce.ts'

function archiveJob(session: Session, root: string, tar?: OutputFormat, tgz?: OutputFormat): Job {
  const { request, deps, partials } = session
  const format = (tar ?? tgz) as OutputFormat
  const tarFinal = resolve(`${request.imageName}.tar`)
  return {
    format,
    finalPath: outputPathFor(request.imageName, format),
    run: async () => {
      // without a tar output the uncompressed archive is only a step towards the tgz
      const tarPartial = partials.reserve(tarFinal)
      const sourceDateEpoch = request.sourceDateEpoch
      await packTree({ root, archive: tarPartial, sourceDateEpoch }, deps.runner)
      const files: ProducedFile[] = []
      if (tgz) {
        const tgzFinal = outputPathFor(request.imageName, tgz)
        const gzipOptions = { gzipBin: request.gzipBin, keep: tar !== undefined }
        // tracked before gzip runs: a failed gzip may leave a truncated .gz behind
        const gz = partials.track(`${tarPartial}.gz`)
        await gzipFile(tarPartial, gzipOptions, deps.runner)
        if (!tar) partials.release(tarPartial)
        const tgzPartial = partials.reserve(tgzFinal)
        await rename(gz, tgzPartial)
        partials.release(gz)
        files.push(await checksummed(session, tgz, tgzFinal, tgzPartial))
      }
      if (tar) files.push(await checksummed(session, tar, tarFinal, tarPartial))
      return files
    },
  }
}

function squashfsJob(session: Session, root: string, format: OutputFormat): Job {
  const { request, deps, partials } = session
  const finalPath = outputPathFor(request.imageName, format)
  return {
    format,
    finalPath,
    run: async () => {
      const target = partials.reserve(finalPath)
      const sourceDateEpoch = request.sourceDateEpoch
      await makeSquashfs({ root, target, sourceDateEpoch }, deps.runner)
      return [await checksummed(session, format, finalPath, target)]
    },
  }
}

function ociJob(session: Session, root: string, format: OutputFormat): Job {
  const { request, deps, partials } = session
  const finalPath = outputPathFor(request.imageName, format)
  // checked now, so a bad --docker-target or architecture fails before anything runs
  const reference = parseImageReference(request.ociTag ?? defaultImageReference(request.imageName))
  const platform = mapOciPlatform(request.arch)
  return {
    format,
    finalPath,
    run: async () => {
      const archive = partials.reserve(finalPath)
      const stagingDir = partials.track(`${archive}.d`)
      const input = {
        root,
        archive,
        stagingDir,
        platform,
        reference,
        sourceDateEpoch: request.sourceDateEpoch,
        now: currentTime(deps),
      }
      await writeOciArchive(input, deps.runner, deps.signal)
      await rm(stagingDir, { recursive: true, force: true })
      partials.release(stagingDir)
      return [await checksummed(session, format, finalPath, archive)]
    },
  }
}

type TreeProducer = ProducerOf<'tree'>
/** The requested tree formats by producer (oci and docker write one file, so one is kept). */
type Requested = { readonly [P in TreeProducer]?: OutputFormat }

/**
 * The job of every tree producer, in the order they run: a producer missing here does not
 * compile. The tgz is gzipped from the tar archive, so when both are asked for the tgz job
 * writes both in one pass.
 */
const TREE_JOBS: {
  readonly [P in TreeProducer]: (
    session: Session,
    root: string,
    asked: Requested,
  ) => Job | undefined
} = {
  tar: (session, root, { tar, tgz }) =>
    tar && !tgz ? archiveJob(session, root, tar, undefined) : undefined,
  tgz: (session, root, { tar, tgz }) => (tgz ? archiveJob(session, root, tar, tgz) : undefined),
  squashfs: (session, root, { squashfs }) =>
    squashfs ? squashfsJob(session, root, squashfs) : undefined,
  oci: (session, root, { oci }) => (oci ? ociJob(session, root, oci) : undefined),
}

export function planTreeJobs(
  session: Session,
  formats: readonly FormatOf<'tree'>[],
  root: string,
): Job[] {
  const asked: { [P in TreeProducer]?: OutputFormat } = {}
  for (const format of formats) asked[format.producer] ??= format
  return Object.values(TREE_JOBS).flatMap((plan) => plan(session, root, asked) ?? [])
}
