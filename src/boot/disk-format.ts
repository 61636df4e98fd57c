// Which QEMU block format a disk image is in, and the qemu-img command lines the boot test
// needs. Pure: the caller runs the commands.
import { extname } from 'node:path'
import { DEFAULT_SECTOR_SIZE, SECTOR_SIZES, type SectorSize } from '../util/sector-size.ts'

/** QEMU's names: a VHD is "vpc". */
export type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vpc' | 'vhdx'

export const DISK_FORMATS: readonly DiskFormat[] = ['raw', 'qcow2', 'vmdk', 'vpc', 'vhdx']

const EXTENSION_FORMATS: Readonly<Record<string, DiskFormat>> = {
  '.raw': 'raw',
  '.qcow2': 'qcow2',
  '.vmdk': 'vmdk',
  '.vhd': 'vpc',
  '.vhdx': 'vhdx',
}

export function isDiskFormat(value: string): value is DiskFormat {
  return (DISK_FORMATS as readonly string[]).includes(value)
}

/** The format an image's extension names, or undefined when it names none (".img" is either). */
export function formatFromExtension(path: string): DiskFormat | undefined {
  return EXTENSION_FORMATS[extname(path).toLowerCase()]
}

/**
 * True when a raw image starts like a bootable disk: a 512-byte sector ending in 0x55 0xAA (an
 * MBR, or GPT's protective MBR). A text file or a bare filesystem has no such sector.
 */
export function hasBootSignature(firstSector: Uint8Array): boolean {
  return firstSector.length >= 512 && firstSector[510] === 0x55 && firstSector[511] === 0xaa
}

/** Byte 32769 of an ISO 9660 image starts its first volume descriptor's "CD001". */
const ISO9660_MAGIC_OFFSET = 0x8001
/** How much of a file's start isIso9660 needs to see. */
export const ISO9660_HEAD_BYTES = ISO9660_MAGIC_OFFSET + 5

/** True when the file starting with `head` is an ISO 9660 (CD-ROM) image. */
export function isIso9660(head: Uint8Array): boolean {
  return (
    Buffer.from(head.subarray(ISO9660_MAGIC_OFFSET, ISO9660_HEAD_BYTES)).toString('latin1') ===
    'CD001'
  )
}

/** How much of the disk's start sectorSizeFromHead needs to see. */
export const HEAD_BYTES = 8192

const GPT_SIGNATURE = 'EFI PART'

/**
 * The logical sector size a disk was partitioned for, from its first 8 KiB: the GPT header is
 * the second sector, so it starts at byte 512 on an ordinary disk and at byte 4096 on a 4Kn
 * one. An MBR disk does not say; it is taken to have 512-byte sectors.
 */
export function sectorSizeFromHead(head: Uint8Array): SectorSize {
  const at = (offset: number): string =>
    Buffer.from(head.subarray(offset, offset + GPT_SIGNATURE.length)).toString('latin1')
  return SECTOR_SIZES.find((size) => at(size) === GPT_SIGNATURE) ?? DEFAULT_SECTOR_SIZE
}

/** Copy the first HEAD_BYTES of any image format to a raw file. */
export function qemuImgHeadArgv(
  image: { readonly path: string; readonly format: DiskFormat },
  out: string,
): [string, ...string[]] {
  return [
    'qemu-img',
    'dd',
    '-f',
    image.format,
    '-O',
    'raw',
    `bs=${HEAD_BYTES}`,
    'count=1',
    `if=${image.path}`,
    `of=${out}`,
  ]
}

export function qemuImgInfoArgv(image: string): [string, ...string[]] {
  // --force-share: reading the header must not fail because another process holds the image.
  return ['qemu-img', 'info', '--output=json', '--force-share', image]
}

/** Parse `qemu-img info --output=json`; throws an Error naming what is missing. */
export function parseQemuImgInfo(json: string): { format: string; virtualSize: number } {
  const info: unknown = JSON.parse(json)
  if (typeof info !== 'object' || info === null) throw new Error('qemu-img info: not an object')
  const format = 'format' in info ? info.format : undefined
  const virtualSize = 'virtual-size' in info ? info['virtual-size'] : undefined
  if (typeof format !== 'string') throw new Error('qemu-img info: no "format"')
  if (typeof virtualSize !== 'number') throw new Error('qemu-img info: no "virtual-size"')
  return { format, virtualSize }
}

/**
 * A qcow2 overlay of `sizeBytes` backed by the image: the guest sees a bigger disk (to test
 * growing the root partition) while the image itself is only read.
 */
export function qemuImgOverlayArgv(
  backing: { readonly path: string; readonly format: DiskFormat },
  overlay: string,
  sizeBytes: number,
): [string, ...string[]] {
  return [
    'qemu-img',
    'create',
    '-f',
    'qcow2',
    '-b',
    backing.path,
    '-F',
    backing.format,
    overlay,
    String(sizeBytes),
  ]
}
