// GPT tables are written by one sgdisk call. Like DIB we keep 2 MiB back for the GPT structures
// (primary and backup) and hand sgdisk whole MiB so it aligns partitions itself; unlike DIB the
// space left is reduced by what was really allocated, and the name is passed without quotes.
import { formatBytes, resolveSizeSpec } from '../../util/size.ts'
import { configErrorAt, originAt } from '../config/config-source.ts'
import type { PartitionNode } from '../config/node-types.ts'

const MIB = 1024 * 1024
/** Room DIB leaves for the protective MBR, both GPT headers and both entry arrays. */
export const GPT_RESERVED_BYTES = 2 * MIB
export const GPT_NAME_LIMIT = 36
export const GPT_MAX_PARTITIONS = 128
export const DEFAULT_GPT_TYPE = '8300'

export interface GptPartitionLayout {
  readonly name: string
  readonly number: number
  readonly sizeMiB: number
  readonly type: string
  /** Partition GUID for `sgdisk -u`; absent lets sgdisk pick a random one. */
  readonly guid?: string | undefined
}

/** Numbers and sizes (whole MiB) for the partitions of one GPT table, in table order. */
export function layoutGpt(
  partitions: readonly PartitionNode[],
  diskBytes: number,
): GptPartitionLayout[] {
  if (partitions.length > GPT_MAX_PARTITIONS) {
    const first = partitions[0]
    if (first)
      throw configErrorAt(
        first.table.origin,
        `Cannot create ${partitions.length} GPT partitions: the table holds ${GPT_MAX_PARTITIONS}`,
      )
  }
  let free = diskBytes - GPT_RESERVED_BYTES
  return partitions.map((partition, position) => {
    const wanted = resolveSizeSpec(partition.size, Math.max(free, 0))
    const sizeMiB = Math.floor(wanted / MIB)
    const where = originAt(partition.origin, 'size')
    if (wanted > free) {
      throw configErrorAt(
        where,
        `Cannot fit partition "${partition.name}" (${formatBytes(wanted)}) on the disk: only ${formatBytes(Math.max(free, 0))} are left`,
      )
    }
    if (sizeMiB === 0) {
      throw configErrorAt(
        where,
        `Cannot create partition "${partition.name}": GPT partitions are sized in whole MiB and this one comes to ${formatBytes(wanted)}`,
      )
    }
    free -= sizeMiB * MIB
    return {
      name: partition.name,
      number: position + 1,
      sizeMiB,
      type: (partition.type ?? DEFAULT_GPT_TYPE).toUpperCase(),
    }
  })
}

export interface SgdiskInput {
  readonly device: string
  readonly partitions: readonly GptPartitionLayout[]
  /** Disk GUID for `sgdisk -U`, for reproducible images. */
  readonly diskGuid?: string | undefined
}

/** The sgdisk argv that creates the laid-out partitions on an empty device or file. */
export function buildSgdiskArgv(input: SgdiskInput): [string, ...string[]] {
  const argv: [string, ...string[]] = ['sgdisk', input.device]
  for (const partition of input.partitions) {
    const n = partition.number
    argv.push('-n', `${n}:0:+${partition.sizeMiB}M`, '-t', `${n}:${partition.type}`)
    argv.push('-c', `${n}:${partition.name.slice(0, GPT_NAME_LIMIT)}`)
    if (partition.guid !== undefined) argv.push('-u', `${n}:${partition.guid}`)
  }
  if (input.diskGuid !== undefined) argv.push('-U', input.diskGuid)
  return argv
}
