// Everything about the disks that can be decided before touching the host: image files and
// sizes, partition table layouts and numbers, identifiers. Size problems surface here as
// ConfigErrors, before a single loop device is taken.
import { join } from 'node:path'
import { ConfigError } from '../../errors.ts'
import { layoutGpt, type GptPartitionLayout } from './gpt-argv.ts'
import { resolveIdentities, type ResolvedIdentities } from './identities.ts'
import { layoutMbr, type MbrLayout } from './mbr-layout.ts'
import type { LocalLoopNode, PartitionTable } from '../config/node-types.ts'
import type { BlockDeviceParams } from './params.ts'
import { listTablePartitions, type BlockDevicePlan } from '../config/plan.ts'
import {
  DEFAULT_SECTOR_SIZE,
  SECTOR_SIZES,
  isSectorSize,
  type SectorSize,
} from '../../util/sector-size.ts'

export interface LoopImage {
  readonly path: string
  /** File size, a whole number of sectors. */
  readonly bytes: number
  readonly sectorSize: SectorSize
}

export type TableLayout =
  | {
      readonly label: 'mbr'
      readonly table: PartitionTable
      readonly layout: MbrLayout
      readonly diskId: number
    }
  | {
      readonly label: 'gpt'
      readonly table: PartitionTable
      readonly partitions: readonly GptPartitionLayout[]
      readonly diskGuid: string | undefined
    }

export interface DiskLayout {
  readonly loops: ReadonlyMap<string, LoopImage>
  readonly tables: ReadonlyMap<string, TableLayout>
  /** Partition node name → Linux partition number. */
  readonly partitionNumbers: ReadonlyMap<string, number>
  readonly identities: ResolvedIdentities
}

export function layoutDisks(plan: BlockDevicePlan, params: BlockDeviceParams): DiskLayout {
  const loops = new Map<string, LoopImage>()
  for (const node of plan.nodes)
    if (node.kind === 'local_loop') loops.set(node.name, describeImage(node, params))
  const identities = resolveIdentities(plan, params.uuidSeed)
  const tables = new Map<string, TableLayout>()
  const partitionNumbers = new Map<string, number>()
  for (const table of plan.tables) {
    const image = loops.get(table.base)
    if (!image)
      throw new ConfigError(
        `Cannot lay out partitioning "${table.name}": its base "${table.base}" is not a local_loop`,
      )
    const partitions = listTablePartitions(plan, table)
    if (table.label === 'mbr') {
      const layout = layoutMbr({
        diskBytes: image.bytes,
        sectorSize: image.sectorSize,
        align: table.align,
        partitions: partitions.map((p) => ({
          name: p.name,
          size: p.size,
          primary: p.primary,
          boot: p.boot,
          type: p.type,
          origin: p.origin,
        })),
      })
      for (const p of layout.partitions) partitionNumbers.set(p.name, p.number)
      tables.set(table.name, {
        label: 'mbr',
        table,
        layout,
        diskId: identities.mbrDiskIds.get(table.name) ?? 1,
      })
    } else {
      const laidOut = layoutGpt(partitions, image.bytes).map((p) => ({
        ...p,
        guid: identities.partitionGuids.get(p.name),
      }))
      for (const p of laidOut) partitionNumbers.set(p.name, p.number)
      tables.set(table.name, {
        label: 'gpt',
        table,
        partitions: laidOut,
        diskGuid: identities.gptDiskGuids.get(table.name),
      })
    }
  }
  return { loops, tables, partitionNumbers, identities }
}

function describeImage(node: LocalLoopNode, params: BlockDeviceParams): LoopImage {
  const sectorSize = params.blockSize ?? node.blockSize ?? DEFAULT_SECTOR_SIZE
  if (!isSectorSize(sectorSize)) {
    throw new ConfigError(
      `Cannot use block size ${sectorSize} for image "${node.name}": use ${SECTOR_SIZES.join(', ')}`,
    )
  }
  const wanted = node.size ?? params.imageSizeBytes
  if (!(wanted > 0))
    throw new ConfigError(`Cannot create image "${node.name}": its size is ${wanted} bytes`)
  return {
    path: join(node.directory ?? params.imageDir, `${node.name}.raw`),
    bytes: Math.ceil(wanted / sectorSize) * sectorSize,
    sectorSize,
  }
}
