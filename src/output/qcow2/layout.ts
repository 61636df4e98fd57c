// The qcow2 on-disk encoding, as functions of numbers: the version 3 header, L1 and L2 entries
// and the descriptor of a compressed cluster. Nothing here touches a file. Layout constants
// are fixed to what qemu-img writes by default: 64 KiB clusters and 16-bit refcounts.

export const CLUSTER_BITS = 16
export const CLUSTER_SIZE = 1 << CLUSTER_BITS
/** log2 of the refcount width in bits: 4 is 16-bit refcounts. */
export const REFCOUNT_ORDER = 4
/** 8-byte entries in one L2 table (one cluster): the guest clusters it maps. */
export const L2_ENTRIES = CLUSTER_SIZE / 8
/** 16-bit refcounts in one refcount block (one cluster): the host clusters it counts. */
export const REFCOUNTS_PER_BLOCK = (CLUSTER_SIZE * 8) >> REFCOUNT_ORDER
/** Version 3 header with the compression_type byte, padded to a multiple of 8. */
export const HEADER_LENGTH = 112
export const SECTOR = 512

const MAGIC = 0x514649fb // "QFI\xfb"
const COPIED = 1n << 63n
const COMPRESSED = 1n << 62n
/** Bits of a compressed descriptor that hold the byte offset: 62 - (cluster_bits - 8). */
const COMPRESSED_OFFSET_BITS = BigInt(62 - (CLUSTER_BITS - 8))
const SECTOR_COUNT_MASK = (1n << BigInt(CLUSTER_BITS - 8)) - 1n
const HOST_OFFSET_MASK = ((1n << 56n) - 1n) & ~BigInt(SECTOR - 1)

export interface HeaderFields {
  readonly virtualSize: number
  readonly l1Entries: number
  readonly l1Offset: number
  readonly refcountTableOffset: number
  readonly refcountTableClusters: number
}

/** Round up to a whole cluster. */
export function alignToCluster(bytes: number): number {
  return Math.ceil(bytes / CLUSTER_SIZE) * CLUSTER_SIZE
}

/** L1 entries a disk of `virtualSize` bytes needs: one per L2 table. */
export function l1EntriesFor(virtualSize: number): number {
  return Math.ceil(virtualSize / (CLUSTER_SIZE * L2_ENTRIES))
}

/**
 * The header cluster's first bytes: version 3 (compat 1.1), no backing file, no encryption,
 * no snapshots, no feature bits, zlib compression, then the end-of-extensions marker.
 */
export function encodeHeader(fields: HeaderFields): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH + 8)
  header.writeUInt32BE(MAGIC, 0)
  header.writeUInt32BE(3, 4)
  // 8: backing_file_offset, 16: backing_file_size stay 0
  header.writeUInt32BE(CLUSTER_BITS, 20)
  header.writeBigUInt64BE(BigInt(fields.virtualSize), 24)
  // 32: crypt_method 0
  header.writeUInt32BE(fields.l1Entries, 36)
  header.writeBigUInt64BE(BigInt(fields.l1Offset), 40)
  header.writeBigUInt64BE(BigInt(fields.refcountTableOffset), 48)
  header.writeUInt32BE(fields.refcountTableClusters, 56)
  // 60: nb_snapshots, 64: snapshots_offset, 72..95: incompatible/compatible/autoclear features
  header.writeUInt32BE(REFCOUNT_ORDER, 96)
  header.writeUInt32BE(HEADER_LENGTH, 100)
  // 104: compression_type 0 = zlib, 105..111 padding; 112..119: extension type 0, length 0
  return header
}

/** An L1 entry pointing at an L2 table referenced once (so COPIED is set). */
export function l1Entry(l2Offset: number): bigint {
  return BigInt(l2Offset) | COPIED
}

/** An L2 entry for a guest cluster stored as is in host cluster `offset` (refcount 1). */
export function standardL2Entry(offset: number): bigint {
  if (offset % CLUSTER_SIZE !== 0) throw new RangeError(`cluster offset ${offset} is not aligned`)
  return (BigInt(offset) & HOST_OFFSET_MASK) | COPIED
}

/** 512-byte sectors after the first that `length` bytes starting at `offset` reach into. */
export function additionalSectors(offset: number, length: number): number {
  if (length <= 0) throw new RangeError(`compressed length ${length} is not positive`)
  return Math.floor((offset + length - 1) / SECTOR) - Math.floor(offset / SECTOR)
}

/** An L2 entry for a guest cluster whose deflated bytes are `length` bytes at `offset`. */
export function compressedL2Entry(offset: number, length: number): bigint {
  if (length >= CLUSTER_SIZE) throw new RangeError(`compressed length ${length} is a whole cluster`)
  const sectors = BigInt(additionalSectors(offset, length))
  if (sectors > SECTOR_COUNT_MASK) throw new RangeError(`compressed data spans too many sectors`)
  const position = BigInt(offset)
  if (position >> COMPRESSED_OFFSET_BITS !== 0n) throw new RangeError(`offset ${offset} too big`)
  return COMPRESSED | (sectors << COMPRESSED_OFFSET_BITS) | position
}

/** Host clusters `length` bytes at `offset` touch: first and last index, inclusive. */
export function clustersTouched(offset: number, length: number): readonly [number, number] {
  return [Math.floor(offset / CLUSTER_SIZE), Math.floor((offset + length - 1) / CLUSTER_SIZE)]
}
