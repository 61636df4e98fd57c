// One function per way of making an output file. Each writes exactly the path it is given (a
// temporary name); naming, checksums and committing are the caller's business.
import { existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Runner } from '../exec/command.ts'
import {
  buildGzipArgv,
  buildMksquashfsArgv,
  buildSparseCopyArgv,
  buildTarArgv,
  planQemuImgCommands,
  type QcowCompression,
} from './commands.ts'
import type { OutputFormat } from './formats.ts'
import type { Reporter } from '../report/events.ts'
import { chooseQcow2Writer, type WriterChoice } from './qcow2/choose-writer.ts'
import { writeCompressedQcow2, type Qcow2Stats } from './qcow2/write-qcow2.ts'

export interface ConvertInput {
  readonly source: string
  readonly sourceBytes: number
  readonly target: string
  readonly format: OutputFormat
  readonly uncompressed: boolean
  readonly qemuImgOptions?: string | undefined
  readonly outOfOrder?: boolean | undefined
  readonly compressionType?: QcowCompression | undefined
}

/** `qemu-img convert -p` redraws "    (12.34/100%)" on one line: the percentage, or undefined. */
export function parseQemuImgProgress(line: string): number | undefined {
  const match = /\((\d+(?:\.\d+)?)\/100%\)/.exec(line)
  return match ? Number(match[1]) : undefined
}

/** Whether imagewright's own writer makes this output, or qemu-img and why. */
export function writerFor(input: ConvertInput): WriterChoice {
  const qemu = input.format.qemu
  if (!qemu) return { writer: 'qemu-img', why: `"${input.format.type}" is not a disk format` }
  return chooseQcow2Writer({
    qemuFormat: qemu.format,
    compressible: qemu.compressible,
    uncompressed: input.uncompressed,
    qemuImgOptions: input.qemuImgOptions,
    compressionType: input.compressionType,
    sourceBytes: input.sourceBytes,
  })
}

/** The writer's own process, when imagewright runs built (dist/); from source there is none. */
const WRITER_PROCESS = fileURLToPath(new URL('../cli/tools/qcow2-writer.js', import.meta.url))

/** One line of the writer process: a percentage, its statistics, or nothing. */
export function parseWriterLine(
  line: string,
): { readonly percent: number } | { readonly stats: Qcow2Stats } | undefined {
  const progress = /^progress (\d+)$/.exec(line)
  if (progress) return { percent: Number(progress[1]) }
  if (line.startsWith('stats ')) return { stats: JSON.parse(line.slice(6)) as Qcow2Stats }
  return undefined
}

async function writeInOwnProcess(
  input: ConvertInput,
  runner: Runner,
  onProgress: ((percent: number) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<Qcow2Stats> {
  let stats: Qcow2Stats | undefined
  await runner.run(
    { argv: [process.execPath, WRITER_PROCESS, input.source, input.target], label: 'qcow2 writer' },
    {
      stdoutIsData: true,
      ...(signal === undefined ? {} : { signal }),
      onLine: (line, stream) => {
        const parsed = stream === 'stdout' ? parseWriterLine(line) : undefined
        if (parsed === undefined) return
        if ('stats' in parsed) stats = parsed.stats
        else onProgress?.(parsed.percent)
      },
    },
  )
  if (stats === undefined) throw new Error('the qcow2 writer ended without its statistics')
  return stats
}

/**
 * A compressed qcow2 by imagewright's own writer: deflated on every core, yet the same bytes
 * from run to run (qemu-img -W reorders clusters; qemu-img without it uses one core). Built,
 * it runs in a process of its own (cli/tools/qcow2-writer.ts says why); from source, here.
 */
export async function writeOwnQcow2(
  input: ConvertInput,
  deps: { readonly reporter: Reporter; readonly runner: Runner },
  options: {
    readonly onProgress?: ((percent: number) => void) | undefined
    readonly signal?: AbortSignal | undefined
  } = {},
): Promise<void> {
  const started = Date.now()
  const stats = existsSync(WRITER_PROCESS)
    ? await writeInOwnProcess(input, deps.runner, options.onProgress, options.signal)
    : await writeCompressedQcow2({
        source: input.source,
        target: input.target,
        onProgress: options.onProgress,
        signal: options.signal,
      })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const mib = (stats.fileBytes / 1024 / 1024).toFixed(0)
  deps.reporter.emit({
    kind: 'info',
    message:
      `${input.format.type} written by imagewright's qcow2 writer (zlib, in parallel) in ` +
      `${seconds} s: ${stats.compressedClusters} clusters compressed, ` +
      `${stats.storedClusters} stored as they are, ${mib} MiB`,
  })
}

export async function convertRawImage(
  input: ConvertInput,
  runner: Runner,
  onProgress?: (percent: number) => void,
): Promise<void> {
  const { qemu } = input.format
  if (!qemu) throw new Error(`Output type "${input.format.type}" is not a qemu-img format`)
  const commands = planQemuImgCommands({
    source: input.source,
    sourceBytes: input.sourceBytes,
    target: input.target,
    qemu,
    uncompressed: input.uncompressed,
    userOptions: input.qemuImgOptions,
    outOfOrder: input.outOfOrder,
    compressionType: input.compressionType,
  })
  for (const argv of commands) {
    const label = `qemu-img ${argv[1]} (${input.format.type})`
    if (onProgress === undefined || argv[1] !== 'convert') {
      await runner.run({ argv, label })
      continue
    }
    // With -p the meter is on stdout; it becomes progress events, not log lines.
    const [program, verb, ...rest] = argv
    await runner.run(
      { argv: [program, verb ?? 'convert', '-p', ...rest], label },
      {
        stdoutIsData: true,
        splitCarriageReturns: true,
        onLine: (line, stream) => {
          const percent = stream === 'stdout' ? parseQemuImgProgress(line) : undefined
          if (percent !== undefined) onProgress(percent)
        },
      },
    )
  }
}

/**
 * Put the raw image at `target`. A move when the caller no longer needs the source and both
 * are on one filesystem; otherwise a sparse copy.
 */
export async function copyRawImage(
  source: string,
  target: string,
  options: { readonly move: boolean },
  runner: Runner,
): Promise<void> {
  if (options.move) {
    try {
      await rename(source, target)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error
    }
  }
  await runner.run({ argv: buildSparseCopyArgv(source, target), label: 'copy raw image' })
}

export interface TreeInput {
  readonly root: string
  readonly sourceDateEpoch?: number | undefined
}

export async function packTree(
  input: TreeInput & { readonly archive: string; readonly members?: readonly string[] },
  runner: Runner,
): Promise<void> {
  const argv = buildTarArgv({
    root: input.root,
    archive: input.archive,
    ...(input.members === undefined ? {} : { members: input.members }),
    sourceDateEpoch: input.sourceDateEpoch,
  })
  await runner.run({ argv, label: 'tar root tree' })
}

/** Compress `file` to `file.gz` and return that path; `keep` leaves `file` in place. */
export async function gzipFile(
  file: string,
  options: { readonly gzipBin?: string | undefined; readonly keep: boolean },
  runner: Runner,
): Promise<string> {
  await runner.run({ argv: buildGzipArgv(file, options), label: 'gzip tar archive' })
  return `${file}.gz`
}

export async function makeSquashfs(
  input: TreeInput & { readonly target: string },
  runner: Runner,
): Promise<void> {
  const argv = buildMksquashfsArgv({
    root: input.root,
    target: input.target,
    sourceDateEpoch: input.sourceDateEpoch,
  })
  await runner.run({ argv, label: 'mksquashfs root tree' })
}
