// The image file itself: what format it is in, a raw working copy to attach as a loop device
// (qcow2, vmdk, vhd and vhdx cannot be), and the result written back in the wanted format
// under a temporary name, renamed over the target only once it is complete.
import { chmod, rename, rm, stat } from 'node:fs/promises'
import {
  formatFromExtension,
  isDiskFormat,
  parseQemuImgInfo,
  qemuImgInfoArgv,
  type DiskFormat,
} from '../boot/disk-format.ts'
import { ImageInputError, UsageError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { ResourceJournal } from '../host/journal.ts'
import { temporaryPathFor } from '../output/naming.ts'
import type { Reporter } from '../report/events.ts'

export interface ImageFile {
  readonly path: string
  readonly format: DiskFormat
  readonly virtualSize: number
  readonly mode: number
}

/** The input must be a file qemu-img opens as one of the disk formats. */
export async function inspectImage(path: string, runner: Runner): Promise<ImageFile> {
  const info = await stat(path).catch((error: unknown) => {
    throw new UsageError(
      `Cannot customize "${path}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`,
    )
  })
  if (!info.isFile()) throw new UsageError(`Cannot customize "${path}": not a regular file`)
  const result = await runner.run(
    { argv: qemuImgInfoArgv(path) },
    { quiet: true, allowFailure: true, stdoutIsData: true },
  )
  if (result.exitCode !== 0) {
    throw new ImageInputError(
      `Cannot customize "${path}": qemu-img cannot open it (${result.stderr.trim().split('\n').at(-1) ?? ''})`,
    )
  }
  const parsed = parseQemuImgInfo(result.stdout)
  if (!isDiskFormat(parsed.format)) {
    throw new ImageInputError(`Cannot customize "${path}": it is a "${parsed.format}" image`, {
      hint: 'Give a raw, qcow2, vmdk, vhd or vhdx disk image',
    })
  }
  return { path, format: parsed.format, virtualSize: parsed.virtualSize, mode: info.mode & 0o7777 }
}

/** The format to write: the output's extension says, else the input's format is kept. */
export function outputFormat(output: string, input: DiskFormat): DiskFormat {
  return formatFromExtension(output) ?? input
}

/** The whole disk as a sparse raw file at `workPath`. */
export async function makeWorkingCopy(
  image: ImageFile,
  workPath: string,
  runner: Runner,
): Promise<void> {
  await runner.run({
    argv: ['qemu-img', 'convert', '-f', image.format, '-O', 'raw', image.path, workPath],
    label: `copy ${image.path} to a raw working copy`,
  })
}

/** Options that keep what the input promised: a VHD keeps its exact virtual size. */
function formatOptions(format: DiskFormat): string[] {
  return format === 'vpc' ? ['-o', 'force_size=on'] : []
}

export interface WriteDeps {
  readonly runner: Runner
  readonly journal: ResourceJournal
  readonly reporter: Reporter
}

/**
 * Convert the working copy to `output` in `format`: written beside it under a temporary name
 * (journaled, so `imagewright cleanup` removes it after a kill -9), then renamed into place.
 */
export async function writeResult(
  workPath: string,
  output: string,
  format: DiskFormat,
  mode: number,
  deps: WriteDeps,
): Promise<void> {
  const partial = temporaryPathFor(output)
  await deps.journal.record({ kind: 'file', path: partial })
  try {
    await deps.runner.run({
      argv: [
        'qemu-img',
        'convert',
        '-f',
        'raw',
        '-O',
        format,
        ...formatOptions(format),
        workPath,
        partial,
      ],
      label: `write ${output}`,
    })
    await chmod(partial, mode)
    await rename(partial, output)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  } finally {
    await deps.journal.forget({ kind: 'file', path: partial })
  }
  const { size } = await stat(output)
  deps.reporter.emit({
    kind: 'artifact',
    path: output,
    format: format === 'vpc' ? 'vhd' : format,
    bytes: size,
  })
}
