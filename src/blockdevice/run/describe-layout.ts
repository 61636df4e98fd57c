// The disk as built, for the report's drawing: the partition table sfdisk reads back from the
// image file (real starts and sizes, no udev needed) joined with the filesystems we made on
// each partition (type, label, mount point). A disk without a table is one bare filesystem.
import type { DiskLayoutInfo, PartitionInfo } from '../../report/events.ts'
import type { FilesystemInfo } from './created-devices.ts'

interface SfdiskPartition {
  readonly node: string
  readonly start: number
  readonly size: number
  readonly type?: string
  readonly name?: string
}

interface SfdiskTable {
  readonly partitiontable?: {
    readonly label?: string
    readonly sectorsize?: number
    readonly partitions?: readonly SfdiskPartition[]
  }
}

export interface LayoutSources {
  /** `sfdisk --json IMAGE` output, or undefined when the image has no partition table. */
  readonly sfdiskJson: string | undefined
  readonly imagePath: string
  readonly imageBytes: number
  readonly sectorSize: number
  /** The loop device the image was attached as: partition N is `${device}p${N}`. */
  readonly loopDevice: string
  readonly filesystems: Readonly<Record<string, FilesystemInfo>>
}

function partitionNumber(node: string, imagePath: string): number | undefined {
  if (!node.startsWith(imagePath)) return undefined
  const number = Number(node.slice(imagePath.length).replace(/^p/, ''))
  return Number.isInteger(number) && number > 0 ? number : undefined
}

function filesystemOn(
  device: string,
  filesystems: LayoutSources['filesystems'],
): FilesystemInfo | undefined {
  return Object.values(filesystems).find((fs) => fs.device === device)
}

function withFilesystem(base: PartitionInfo, fs: FilesystemInfo | undefined): PartitionInfo {
  if (fs === undefined) return base
  return {
    ...base,
    fstype: fs.fstype,
    ...(fs.label === '' ? {} : { label: fs.label }),
    ...(fs.mountPoint === undefined || fs.mountPoint === 'none'
      ? {}
      : { mountPoint: fs.mountPoint }),
  }
}

export function describeDiskLayout(sources: LayoutSources): DiskLayoutInfo {
  const table =
    sources.sfdiskJson === undefined
      ? undefined
      : (JSON.parse(sources.sfdiskJson) as SfdiskTable).partitiontable
  const sectorSize = table?.sectorsize ?? sources.sectorSize
  if (table?.partitions === undefined) {
    const whole: PartitionInfo = { name: 'whole disk', startBytes: 0, bytes: sources.imageBytes }
    return {
      bytes: sources.imageBytes,
      sectorSize,
      partitions: [withFilesystem(whole, filesystemOn(sources.loopDevice, sources.filesystems))],
    }
  }
  const partitions = table.partitions.map((p): PartitionInfo => {
    const number = partitionNumber(p.node, sources.imagePath)
    const device = number === undefined ? '' : `${sources.loopDevice}p${number}`
    const base: PartitionInfo = {
      name: p.name ?? (number === undefined ? p.node : `partition ${number}`),
      startBytes: p.start * sectorSize,
      bytes: p.size * sectorSize,
      ...(p.type === undefined ? {} : { type: p.type }),
    }
    return withFilesystem(base, filesystemOn(device, sources.filesystems))
  })
  return {
    bytes: sources.imageBytes,
    sectorSize,
    ...(table.label === undefined ? {} : { table: table.label }),
    partitions,
  }
}
