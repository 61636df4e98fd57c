import { describe, expect, it } from 'vitest'
import {
  additionalSectors,
  clustersTouched,
  compressedL2Entry,
  encodeHeader,
  l1EntriesFor,
  l1Entry,
  standardL2Entry,
} from '../../../../src/output/qcow2/layout.ts'

const KIB = 1024
const GIB = 1024 ** 3

describe('compressed cluster descriptors', () => {
  it('counts the sectors after the first that the bytes reach into', () => {
    expect(additionalSectors(0, 1)).toBe(0)
    expect(additionalSectors(0, 512)).toBe(0)
    expect(additionalSectors(0, 513)).toBe(1)
    expect(additionalSectors(511, 1)).toBe(0)
    expect(additionalSectors(511, 2)).toBe(1)
    expect(additionalSectors(1000, 24)).toBe(0)
    expect(additionalSectors(1000, 25)).toBe(1)
    expect(additionalSectors(100, 65535)).toBe(128)
    expect(() => additionalSectors(0, 0)).toThrow(RangeError)
  })

  it('puts the offset in bits 0..53, the extra sectors in 54..61, bit 62 set and 63 clear', () => {
    const offset = 0x12345 * 64 * KIB + 300
    const entry = compressedL2Entry(offset, 1000)
    expect(entry & ((1n << 54n) - 1n)).toBe(BigInt(offset))
    // 300..1299 within its cluster: sectors 0, 1, 2 → 2 additional
    expect((entry >> 54n) & 0xffn).toBe(2n)
    expect((entry >> 62n) & 1n).toBe(1n)
    expect(entry >> 63n).toBe(0n)
  })

  it('spans across a host cluster boundary when the bytes do', () => {
    const offset = 2 * 64 * KIB - 100
    const entry = compressedL2Entry(offset, 300)
    expect(entry & ((1n << 54n) - 1n)).toBe(BigInt(offset))
    expect((entry >> 54n) & 0xffn).toBe(1n)
    expect(clustersTouched(offset, 300)).toEqual([1, 2])
    expect(clustersTouched(offset, 100)).toEqual([1, 1])
    expect(clustersTouched(2 * 64 * KIB, 64 * KIB - 1)).toEqual([2, 2])
  })

  it('refuses what the descriptor cannot hold', () => {
    expect(() => compressedL2Entry(0, 64 * KIB)).toThrow(RangeError)
    expect(() => compressedL2Entry(2 ** 54, 10)).toThrow(RangeError)
  })
})

describe('standard entries', () => {
  it('sets COPIED and keeps the cluster-aligned offset', () => {
    expect(standardL2Entry(3 * 64 * KIB)).toBe((1n << 63n) | BigInt(3 * 64 * KIB))
    expect(l1Entry(5 * 64 * KIB)).toBe((1n << 63n) | BigInt(5 * 64 * KIB))
    expect(() => standardL2Entry(512)).toThrow(RangeError)
  })

  it('needs one L1 entry per 512 MiB of virtual disk', () => {
    expect(l1EntriesFor(1)).toBe(1)
    expect(l1EntriesFor(512 * 1024 * KIB)).toBe(1)
    expect(l1EntriesFor(512 * 1024 * KIB + 512)).toBe(2)
    expect(l1EntriesFor(3 * GIB)).toBe(6)
  })
})

describe('encodeHeader', () => {
  it('writes a version 3 header with 64 KiB clusters, 16-bit refcounts and zlib', () => {
    const header = encodeHeader({
      virtualSize: 3 * GIB + 512,
      l1Entries: 7,
      l1Offset: 10 * 64 * KIB,
      refcountTableOffset: 11 * 64 * KIB,
      refcountTableClusters: 1,
    })
    expect(header.subarray(0, 4).toString('latin1')).toBe('QFI\xfb')
    expect(header.readUInt32BE(4)).toBe(3)
    expect(header.readBigUInt64BE(8)).toBe(0n) // no backing file
    expect(header.readUInt32BE(20)).toBe(16)
    expect(header.readBigUInt64BE(24)).toBe(BigInt(3 * GIB + 512))
    expect(header.readUInt32BE(32)).toBe(0) // no encryption
    expect(header.readUInt32BE(36)).toBe(7)
    expect(header.readBigUInt64BE(40)).toBe(BigInt(10 * 64 * KIB))
    expect(header.readBigUInt64BE(48)).toBe(BigInt(11 * 64 * KIB))
    expect(header.readUInt32BE(56)).toBe(1)
    expect(header.readUInt32BE(60)).toBe(0) // no snapshots
    expect(header.subarray(72, 96).equals(Buffer.alloc(24))).toBe(true) // no feature bits
    expect(header.readUInt32BE(96)).toBe(4)
    expect(header.readUInt32BE(100)).toBe(112)
    expect(header[104]).toBe(0) // zlib
    // the end of the header extensions: type 0, length 0
    expect(header.length).toBe(120)
    expect(header.subarray(112).equals(Buffer.alloc(8))).toBe(true)
  })
})
