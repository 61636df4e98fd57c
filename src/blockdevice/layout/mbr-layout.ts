// Where each MBR partition goes, in sectors. Partitions are placed one after the other, each
// start rounded up to the alignment (1 MiB by default, so the first starts at 1 MiB). A
// partition without the "primary" flag is logical: the first one opens an extended partition
// that runs to the end of the disk, and each logical partition sits after its own EBR sector
// and alignment gap, numbered from 5 as Linux numbers them.
import { ConfigError } from '../../errors.ts'
import { formatBytes, resolveSizeSpec, type SizeSpec } from '../../util/size.ts'
import { configErrorAt, type ConfigOrigin } from '../config/config-source.ts'

/** MBR fields are 32-bit sector numbers; anything past them is out of reach. */
export const MBR_MAX_SECTORS = 0xffff_ffff
export const MBR_PRIMARY_SLOTS = 4
export const DEFAULT_MBR_TYPE = 0x83

export interface MbrPartitionSpec {
  readonly name: string
  readonly size: SizeSpec
  readonly primary: boolean
  readonly boot: boolean
  /** As written in the config ("0x83", "83", "c"); undefined = 0x83. */
  readonly type?: string | undefined
  /** For messages that point into the config. */
  readonly origin?: ConfigOrigin | undefined
}

export interface MbrPartitionLayout {
  readonly name: string
  /** Linux partition number: 1-4 for primaries, 5 and up for logical partitions. */
  readonly number: number
  readonly logical: boolean
  readonly boot: boolean
  readonly type: number
  readonly startSector: number
  readonly sectors: number
  /** Logical partitions only: the sector of the EBR that describes this partition. */
  readonly ebrSector: number | undefined
}

export interface MbrLayout {
  readonly sectorSize: number
  readonly diskSectors: number
  readonly partitions: readonly MbrPartitionLayout[]
  /** Present when there are logical partitions. */
  readonly extended:
    { readonly number: number; readonly startSector: number; readonly sectors: number } | undefined
}

export interface MbrLayoutInput {
  readonly diskBytes: number
  readonly sectorSize: number
  /** Alignment in bytes. */
  readonly align: number
  readonly partitions: readonly MbrPartitionSpec[]
}

export function layoutMbr(input: MbrLayoutInput): MbrLayout {
  const { sectorSize } = input
  if (input.align % sectorSize !== 0) {
    throw new ConfigError(
      `Cannot align MBR partitions to ${input.align} bytes: it is not a multiple of the ${sectorSize}-byte sector`,
    )
  }
  const alignSectors = input.align / sectorSize
  const diskSectors = Math.min(Math.floor(input.diskBytes / sectorSize), MBR_MAX_SECTORS)
  const up = (sector: number): number => Math.ceil(sector / alignSectors) * alignSectors
  const partitions: MbrPartitionLayout[] = []
  let extended: MbrLayout['extended']
  let next = 1
  let slots = 0
  let logicals = 0
  for (const spec of input.partitions) {
    const fail = (message: string): never => {
      throw spec.origin ? configErrorAt(spec.origin, message) : new ConfigError(message)
    }
    let start: number
    let number: number
    let ebrSector: number | undefined
    if (spec.primary) {
      if (logicals > 0)
        fail(
          `Cannot place primary partition "${spec.name}" after logical partitions: list primary partitions first`,
        )
      if (slots >= MBR_PRIMARY_SLOTS)
        fail(
          `Cannot add primary partition "${spec.name}": an MBR holds ${MBR_PRIMARY_SLOTS}, make it logical by removing the "primary" flag`,
        )
      start = up(next)
      number = ++slots
    } else {
      if (!extended) {
        if (slots >= MBR_PRIMARY_SLOTS)
          fail(
            `Cannot add logical partition "${spec.name}": all ${MBR_PRIMARY_SLOTS} MBR slots are primary, none is left for the extended partition`,
          )
        const extendedStart = up(next)
        extended = {
          number: ++slots,
          startSector: extendedStart,
          sectors: diskSectors - extendedStart,
        }
        ebrSector = extendedStart
      } else {
        ebrSector = up(next)
      }
      start = up(ebrSector + 1)
      number = 5 + logicals++
    }
    const free = diskSectors - start
    const bytes = resolveSizeSpec(spec.size, Math.max(free, 0) * sectorSize)
    const sectors = Math.floor(bytes / sectorSize)
    if (free <= 0 || sectors > free) {
      fail(
        `Cannot fit partition "${spec.name}" (${formatBytes(bytes)}) on the disk: only ${formatBytes(Math.max(free, 0) * sectorSize)} are left after alignment`,
      )
    }
    if (sectors === 0)
      fail(`Cannot create partition "${spec.name}": its size comes to less than one sector`)
    partitions.push({
      name: spec.name,
      number,
      logical: !spec.primary,
      boot: spec.boot,
      type: parseMbrType(spec),
      startSector: start,
      sectors,
      ebrSector,
    })
    next = start + sectors
  }
  return { sectorSize, diskSectors, partitions, extended }
}

/** The partition type byte from its hex spelling ("0x83", "83", "c"). */
export function parseMbrType(spec: Pick<MbrPartitionSpec, 'name' | 'type' | 'origin'>): number {
  if (spec.type === undefined) return DEFAULT_MBR_TYPE
  const digits = spec.type.trim().replace(/^0x/i, '')
  const value = /^[0-9a-f]+$/i.test(digits) ? Number.parseInt(digits, 16) : Number.NaN
  if (!(value >= 1 && value <= 0xff)) {
    const message = `Cannot use type "${spec.type}" for MBR partition "${spec.name}": MBR types are one byte from 0x01 to 0xff`
    throw spec.origin ? configErrorAt(spec.origin, message) : new ConfigError(message)
  }
  return value
}
