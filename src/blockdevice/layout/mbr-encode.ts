// The bytes of an MBR layout: sector 0 with up to four entries (primaries and the extended
// partition) and one EBR per logical partition. An EBR's first entry is its logical partition,
// relative to the EBR; its second links to the next EBR, relative to the extended partition.
import type { MbrLayout, MbrPartitionLayout } from './mbr-layout.ts'

/** Windows and Linux both take 0x0F as "extended, LBA"; links inside it are 0x05. */
export const EXTENDED_TYPE = 0x0f
export const EBR_LINK_TYPE = 0x05
const BOOT_FLAG = 0x80
const DISK_ID_OFFSET = 440
const TABLE_OFFSET = 446
const ENTRY_SIZE = 16
const SIGNATURE_OFFSET = 510
// The usual fake geometry; CHS only matters to very old firmware, LBA fields carry the truth.
const HEADS = 255
const SECTORS_PER_TRACK = 63
const MAX_CYLINDER = 1023

export interface SectorWrite {
  /** Byte offset in the disk. */
  readonly offset: number
  readonly data: Uint8Array
}

interface Entry {
  readonly boot: boolean
  readonly type: number
  /** Absolute first sector, for CHS. */
  readonly absoluteStart: number
  /** The value stored in the LBA field (absolute or relative). */
  readonly lba: number
  readonly sectors: number
}

/** Every sector to write, MBR first; `diskId` is the 32-bit disk identifier. */
export function encodeMbr(layout: MbrLayout, diskId: number): SectorWrite[] {
  const mbr = newSector(layout.sectorSize)
  new DataView(mbr.buffer).setUint32(DISK_ID_OFFSET, diskId >>> 0, true)
  for (const partition of layout.partitions) {
    if (!partition.logical) writeEntry(mbr, partition.number - 1, primaryEntry(partition))
  }
  const writes: SectorWrite[] = [{ offset: 0, data: mbr }]
  const { extended } = layout
  if (!extended) return writes
  writeEntry(mbr, extended.number - 1, {
    boot: false,
    type: EXTENDED_TYPE,
    absoluteStart: extended.startSector,
    lba: extended.startSector,
    sectors: extended.sectors,
  })
  const logicals = layout.partitions.filter((partition) => partition.logical)
  logicals.forEach((partition, index) => {
    const ebrSector = partition.ebrSector ?? 0
    const ebr = newSector(layout.sectorSize)
    writeEntry(ebr, 0, {
      boot: partition.boot,
      type: partition.type,
      absoluteStart: partition.startSector,
      lba: partition.startSector - ebrSector,
      sectors: partition.sectors,
    })
    const following = logicals[index + 1]
    if (following?.ebrSector !== undefined) {
      writeEntry(ebr, 1, {
        boot: false,
        type: EBR_LINK_TYPE,
        absoluteStart: following.ebrSector,
        lba: following.ebrSector - extended.startSector,
        sectors: following.startSector + following.sectors - following.ebrSector,
      })
    }
    writes.push({ offset: ebrSector * layout.sectorSize, data: ebr })
  })
  return writes
}

function primaryEntry(partition: MbrPartitionLayout): Entry {
  return {
    boot: partition.boot,
    type: partition.type,
    absoluteStart: partition.startSector,
    lba: partition.startSector,
    sectors: partition.sectors,
  }
}

function newSector(sectorSize: number): Uint8Array {
  const sector = new Uint8Array(sectorSize)
  sector[SIGNATURE_OFFSET] = 0x55
  sector[SIGNATURE_OFFSET + 1] = 0xaa
  return sector
}

function writeEntry(sector: Uint8Array, slot: number, entry: Entry): void {
  const offset = TABLE_OFFSET + slot * ENTRY_SIZE
  const view = new DataView(sector.buffer, offset, ENTRY_SIZE)
  view.setUint8(0, entry.boot ? BOOT_FLAG : 0)
  sector.set(encodeChs(entry.absoluteStart), offset + 1)
  view.setUint8(4, entry.type)
  sector.set(encodeChs(entry.absoluteStart + entry.sectors - 1), offset + 5)
  view.setUint32(8, entry.lba, true)
  view.setUint32(12, entry.sectors, true)
}

/** Head, sector|cylinder-high, cylinder-low; addresses past cylinder 1023 saturate. */
export function encodeChs(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK))
  if (cylinder > MAX_CYLINDER) return [HEADS - 1, 0xff, 0xff]
  const head = Math.floor(lba / SECTORS_PER_TRACK) % HEADS
  const sector = (lba % SECTORS_PER_TRACK) + 1
  return [head, ((cylinder >> 2) & 0xc0) | sector, cylinder & 0xff]
}
