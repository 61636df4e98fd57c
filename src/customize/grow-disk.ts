// `--size`: the raw working copy grown to the new size, its last partition grown to the end of
// the disk (GPT's backup header moved to the new end first), then, once the image is open, the
// root filesystem grown online to fill it. sfdisk edits the table in place and keeps the table's
// and the partitions' UUIDs, types and starts; filesystems keep their UUIDs and labels; nothing
// is reformatted and the bootloader's sectors are not touched. No device-mapper, no growpart.
import { stat, truncate } from 'node:fs/promises'
import { ImageInputError, UsageError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import type { ProbedFilesystem } from './filesystems.ts'
import type { SizeRequest } from './request.ts'

/** Partitions end on whole sectors of the largest sector size in use. */
const ALIGN = 4096

/** The new size in bytes: larger than `current`, rounded up to 4 KiB. Shrinking is refused. */
export function grownSize(current: number, request: SizeRequest): number {
  const wanted = request.grow ? current + request.bytes : request.bytes
  const aligned = Math.ceil(wanted / ALIGN) * ALIGN
  if (aligned < current) {
    throw new UsageError(
      `Option "--size": ${aligned} bytes is smaller than the image (${current} bytes); shrinking is not supported`,
      { hint: `Give a size of at least ${current} bytes, or +SIZE to add to it` },
    )
  }
  return aligned
}

interface SfdiskPartition {
  readonly node: string
  readonly start: number
  readonly size: number
}

interface PartitionTable {
  /** sfdisk's label: gpt, dos, ... */
  readonly label: string
  readonly partitions: readonly SfdiskPartition[]
}

/** What was grown: the partition (its number) holding the filesystem to grow, or the bare disk. */
export interface GrownDisk {
  readonly partition: number | undefined
  readonly label: string | undefined
}

export interface GrowDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

/** The number at the end of a partition's node name (disk.raw3, /dev/loop0p3). */
export function partitionNumber(node: string): number | undefined {
  const digits = /(\d+)$/.exec(node)?.[1]
  return digits === undefined ? undefined : Number.parseInt(digits, 10)
}

/** The partition that ends last: the one that can grow into the new space. */
export function lastPartition(table: PartitionTable): SfdiskPartition | undefined {
  return [...table.partitions].sort((a, b) => a.start + a.size - (b.start + b.size)).at(-1)
}

async function readTable(path: string, deps: GrowDeps): Promise<PartitionTable | undefined> {
  const result = await deps.runner.run(
    { argv: ['sfdisk', '--json', path] },
    { quiet: true, allowFailure: true, stdoutIsData: true },
  )
  if (result.exitCode !== 0 || result.stdout.trim() === '') return undefined
  return (JSON.parse(result.stdout) as { partitiontable: PartitionTable }).partitiontable
}

/**
 * Grow the raw file at `path` to `bytes` and its last partition to the disk's end. Runs before
 * the file is attached, so the kernel reads the new table when the loop device is set up.
 */
export async function growDiskFile(
  path: string,
  bytes: number,
  deps: GrowDeps,
): Promise<GrownDisk> {
  const before = (await stat(path)).size
  const table = await readTable(path, deps)
  await truncate(path, bytes)
  if (table === undefined) return { partition: undefined, label: undefined }
  const last = lastPartition(table)
  const number = last === undefined ? undefined : partitionNumber(last.node)
  if (number === undefined)
    throw new ImageInputError(`Cannot grow the image: its ${table.label} table has no partition`)
  if (table.label === 'dos' && number > 4) {
    throw new ImageInputError(
      `Cannot grow the image: its last partition (${number}) is a logical one, inside an extended partition`,
    )
  }
  if (table.label === 'gpt')
    await deps.runner.run({
      argv: ['sfdisk', '--quiet', '--relocate', 'gpt-bak-std', path],
      label: 'move the GPT backup header to the new end',
    })
  await deps.runner.run({
    argv: ['sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', '-N', String(number), path],
    input: ', +\n',
    label: `grow partition ${number} to the end of the disk`,
  })
  deps.reporter.emit({
    kind: 'info',
    message: `Grew the disk from ${before} to ${bytes} bytes and partition ${number} to its end`,
  })
  return { partition: number, label: table.label }
}

const isExt = (type: string): boolean => /^ext[234]$/.test(type)

/** The filesystem on the partition grown (or on the bare disk). */
function grownFilesystem(
  grown: GrownDisk,
  filesystems: readonly ProbedFilesystem[],
): ProbedFilesystem | undefined {
  return filesystems.find((fs) => partitionOf(fs) === grown.partition)
}

function partitionOf(fs: Pick<ProbedFilesystem, 'device'>): number | undefined {
  // /dev/loop3p2 is partition 2; /dev/loop3 (a bare filesystem) is none.
  return /\dp\d+$/.test(fs.device) ? partitionNumber(fs.device) : undefined
}

/**
 * Before anything is mounted: an ext2/3/4 filesystem on the grown partition is checked and grown
 * offline (online growing needs CAP_SYS_RESOURCE, which containers often lack).
 */
export async function growUnmounted(
  grown: GrownDisk,
  filesystems: readonly ProbedFilesystem[],
  deps: GrowDeps,
): Promise<void> {
  const fs = grownFilesystem(grown, filesystems)
  if (fs === undefined || !isExt(fs.type)) return
  // e2fsck -p: 0 clean, 1 errors corrected; anything else is a damaged filesystem.
  const check = await deps.runner.run(
    { argv: ['e2fsck', '-f', '-p', fs.device], label: `check ${fs.device} before growing it` },
    { allowFailure: true },
  )
  if (check.exitCode !== 0 && check.exitCode !== 1) {
    throw new ImageInputError(
      `Cannot grow ${fs.device}: e2fsck found errors it cannot fix (exit ${check.exitCode})`,
    )
  }
  await deps.runner.run({ argv: ['resize2fs', fs.device], label: `grow the ${fs.type} filesystem` })
}

/** The commands that grow a mounted XFS or btrfs filesystem to the size of its device. */
export function growMountedArgv(
  type: string,
  mountPoint: string,
): [string, ...string[]] | undefined {
  if (type === 'xfs') return ['xfs_growfs', mountPoint]
  if (type === 'btrfs') return ['btrfs', 'filesystem', 'resize', 'max', mountPoint]
  return undefined
}

/** Once the root is mounted: it must be the filesystem grown; XFS and btrfs grow now, online. */
export async function growRootFilesystem(
  grown: GrownDisk,
  root: ProbedFilesystem,
  mountPoint: string,
  deps: GrowDeps,
): Promise<void> {
  if (partitionOf(root) !== grown.partition) {
    throw new ImageInputError(
      `Cannot grow the root filesystem: it is on ${root.device}, and only the last partition (${grown.partition ?? 'none'}) can grow`,
    )
  }
  if (isExt(root.type)) return
  const argv = growMountedArgv(root.type, mountPoint)
  if (argv === undefined)
    throw new ImageInputError(`Cannot grow the root filesystem: ${root.type} cannot be grown here`)
  await deps.runner.run({ argv, label: `grow the ${root.type} root filesystem` })
}
