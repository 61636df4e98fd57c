import { describe, expect, it } from 'vitest'
import {
  encodeRefcountTable,
  planMetadata,
  refcountStructures,
  Refcounts,
} from '../../../../src/output/qcow2/refcounts.ts'

const CLUSTER = 64 * 1024
const PER_BLOCK = 32768

describe('refcountStructures', () => {
  it('counts the refcount blocks and table among the clusters they count', () => {
    expect(refcountStructures(1)).toEqual({ blocks: 1, tableClusters: 1 })
    // 32766 clusters + 1 block + 1 table cluster fill one block exactly
    expect(refcountStructures(PER_BLOCK - 2)).toEqual({ blocks: 1, tableClusters: 1 })
    // one more, and the block would have to count itself beyond its end
    expect(refcountStructures(PER_BLOCK - 1)).toEqual({ blocks: 2, tableClusters: 1 })
    // 8192 blocks fill one table cluster; past that the table grows too
    const many = refcountStructures(8192 * PER_BLOCK)
    expect(many.tableClusters).toBe(2)
    expect(many.blocks).toBe(8193)
    for (const clusters of [
      1,
      5000,
      PER_BLOCK - 2,
      PER_BLOCK - 1,
      3 * PER_BLOCK,
      8192 * PER_BLOCK,
    ]) {
      const { blocks, tableClusters } = refcountStructures(clusters)
      expect(blocks * PER_BLOCK).toBeGreaterThanOrEqual(clusters + blocks + tableClusters)
      expect(tableClusters * (CLUSTER / 8)).toBeGreaterThanOrEqual(blocks)
    }
  })
})

describe('planMetadata', () => {
  it('puts L2 tables, L1, the refcount table and blocks after the data, cluster-aligned', () => {
    const plan = planMetadata(5 * CLUSTER + 17, 3, 9)
    expect(plan).toEqual({
      l2Offset: 6 * CLUSTER,
      l2Tables: 3,
      l1Offset: 9 * CLUSTER,
      l1Clusters: 1,
      refcountTableOffset: 10 * CLUSTER,
      refcountTableClusters: 1,
      refcountBlocksOffset: 11 * CLUSTER,
      refcountBlocks: 1,
      totalClusters: 12,
    })
    const table = encodeRefcountTable(plan)
    expect(table.length).toBe(CLUSTER)
    expect(table.readBigUInt64BE(0)).toBe(BigInt(11 * CLUSTER))
    expect(table.readBigUInt64BE(8)).toBe(0n)
  })
})

describe('Refcounts', () => {
  it('adds one per reference over ranges and encodes big-endian 16-bit blocks', () => {
    const counts = new Refcounts()
    counts.add(0)
    counts.add(1, 2)
    counts.add(2)
    counts.add(PER_BLOCK + 1)
    expect([counts.get(0), counts.get(1), counts.get(2), counts.get(3)]).toEqual([1, 1, 2, 0])
    expect(counts.length).toBe(PER_BLOCK + 2)
    const first = counts.encodeBlock(0)
    expect([first.readUInt16BE(0), first.readUInt16BE(2), first.readUInt16BE(4)]).toEqual([1, 1, 2])
    expect(counts.encodeBlock(1).readUInt16BE(2)).toBe(1)
    expect(counts.encodeBlock(1).readUInt16BE(0)).toBe(0)
  })
})
