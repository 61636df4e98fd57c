// Turn the finished build into the requested files. Tree outputs (tar, tgz, squashfs, oci) are
// packed from the root tree while its filesystems are still mounted; disk outputs are
// converted from the raw image after unmount. Every file is produced under a temporary name,
// checksummed, and only renamed into place once all outputs of the call have succeeded.
import { stat } from 'node:fs/promises'
import { resolve, sep } from 'node:path'
import { OutputError } from '../errors.ts'
import type { OutputArtifact } from './commit.ts'
import type { FormatOf, OutputFormat, ProducerOf } from './formats.ts'
import { outputPathFor } from './naming.ts'
import {
  checksummed,
  prepareSession,
  produceAndCommit,
  selectFormats,
  type Job,
  type OutputDeps,
  type OutputRequest,
  type Session,
} from './output-session.ts'
import { PartialFiles } from './partial-files.ts'
import { convertRawImage, copyRawImage, writeOwnQcow2, writerFor } from './produce.ts'
import { planTreeJobs } from './tree-jobs.ts'

function listTypes(formats: readonly OutputFormat[]): string {
  return formats.map((format) => `"${format.type}"`).join(', ')
}

/** tar, tgz, squashfs and oci/docker outputs, packed from the (still mounted) root tree. */
export async function writeTreeOutputs(
  request: OutputRequest & { readonly rootTree: string },
  deps: OutputDeps,
): Promise<OutputArtifact[]> {
  const formats = selectFormats(request.types, 'tree')
  if (formats.length === 0) return []
  const root = resolve(request.rootTree)
  const info = await stat(root).catch(() => undefined)
  if (!info?.isDirectory()) {
    throw new OutputError(
      `Cannot write the ${listTypes(formats)} outputs: root tree "${root}" is not a directory`,
    )
  }
  for (const format of formats) {
    const finalPath = outputPathFor(request.imageName, format)
    if (finalPath.startsWith(root + sep)) {
      throw new OutputError(
        `Cannot write "${format.type}" output "${finalPath}": it is inside the root tree it packs`,
        { hint: 'choose an output name outside the image with -o' },
      )
    }
  }
  const session: Session = { request, deps, partials: new PartialFiles() }
  // planning validates the image reference and architecture: fail before touching the disk
  const jobs = planTreeJobs(session, formats, root)
  await prepareSession(formats, session)
  return produceAndCommit(session, [jobs])
}

/** qcow2, vhd, vmdk, … converted from the raw image in parallel, then raw itself. */
export async function writeDiskOutputs(
  request: OutputRequest & { readonly rawImagePath: string },
  deps: OutputDeps,
): Promise<OutputArtifact[]> {
  const formats = selectFormats(request.types, 'disk')
  if (formats.length === 0) return []
  const source = resolve(request.rawImagePath)
  const info = await stat(source).catch(() => undefined)
  if (!info?.isFile()) {
    throw new OutputError(
      `Cannot write the ${listTypes(formats)} outputs: raw image "${source}" is not a file`,
    )
  }
  const session: Session = { request, deps, partials: new PartialFiles() }
  await prepareSession(formats, session)
  const job = (format: OutputFormat, make: (target: string) => Promise<void>): Job => {
    const finalPath = outputPathFor(request.imageName, format)
    return {
      format,
      finalPath,
      run: async () => {
        const target = session.partials.reserve(finalPath)
        await make(target)
        return [await checksummed(session, format, finalPath, target)]
      },
    }
  }
  const move = request.consumeRawImage ?? false
  // Every disk producer, keyed so a new one does not compile until it is dispatched here.
  const make: {
    readonly [P in ProducerOf<'disk'>]: (format: OutputFormat, target: string) => Promise<void>
  } = {
    'qemu-img': (format, target) => {
      const input = {
        source,
        sourceBytes: info.size,
        target,
        format,
        uncompressed: request.uncompressed,
        qemuImgOptions: request.qemuImgOptions,
        // out-of-order writes reorder a compressed qcow2's clusters: not for reproducible builds
        outOfOrder: request.sourceDateEpoch === undefined,
        compressionType: request.qcowCompression,
      }
      const onProgress = progressOf(deps, `convert to ${format.type}`)
      // the default compressed qcow2 is ours: parallel and reproducible at once
      const choice = writerFor(input)
      if (choice.writer === 'imagewright') {
        return writeOwnQcow2(input, deps, { onProgress, signal: deps.signal })
      }
      if (format.qemu?.format === 'qcow2') {
        deps.reporter.emit({ kind: 'info', message: `qcow2 written by qemu-img: ${choice.why}` })
      }
      return convertRawImage(input, deps.runner, onProgress)
    },
    copy: (_format, target) => copyRawImage(source, target, { move }, deps.runner),
  }
  const jobOf = (format: FormatOf<'disk'>): Job =>
    job(format, (target) => make[format.producer](format, target))
  // raw goes last: when it is a move, every conversion must be done reading the source
  const conversions = formats.filter((format) => format.producer !== 'copy').map(jobOf)
  const last = formats.filter((format) => format.producer === 'copy').map(jobOf)
  return produceAndCommit(session, [conversions, last])
}

/** Progress events for a conversion, one per whole percent at most. */
function progressOf(deps: OutputDeps, task: string): (percent: number) => void {
  let last = -1
  return (percent) => {
    const whole = Math.floor(percent)
    if (whole === last) return
    last = whole
    deps.reporter.emit({ kind: 'progress', task, done: whole, total: 100, unit: 'percent' })
  }
}

/** Both kinds in one call, for callers that still have the tree when the raw image is ready. */
export async function writeOutputs(
  request: OutputRequest,
  deps: OutputDeps,
): Promise<OutputArtifact[]> {
  const tree = selectFormats(request.types, 'tree')
  const disk = selectFormats(request.types, 'disk')
  // check both sources first: a missing one must not fail the build after half the outputs
  const { rootTree, rawImagePath } = request
  if (tree.length > 0 && rootTree === undefined) {
    throw new OutputError(`Cannot write ${listTypes(tree)} outputs: no root tree was given`)
  }
  if (disk.length > 0 && rawImagePath === undefined) {
    throw new OutputError(`Cannot write ${listTypes(disk)} outputs: no raw image was given`)
  }
  const artifacts: OutputArtifact[] = []
  if (rootTree !== undefined) {
    artifacts.push(...(await writeTreeOutputs({ ...request, rootTree }, deps)))
  }
  if (rawImagePath !== undefined) {
    artifacts.push(...(await writeDiskOutputs({ ...request, rawImagePath }, deps)))
  }
  return artifacts
}

export type { OutputArtifact } from './commit.ts'
export type { OutputDeps, OutputRequest } from './output-session.ts'
