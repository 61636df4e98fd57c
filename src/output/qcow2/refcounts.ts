// Reference counts of host clusters, and where the metadata goes once the data is written.
// The refcount blocks count every cluster of the file, themselves and the refcount table
// included, so their number is found by iterating until it no longer changes.
import { alignToCluster, CLUSTER_SIZE, REFCOUNTS_PER_BLOCK } from './layout.ts'

const MAX_REFCOUNT = 0xffff

/** 16-bit refcounts per host cluster, grown as the file grows. */
export class Refcounts {
  private counts = new Uint16Array(1024)
  private used = 0

  /** One more reference to each host cluster from `first` to `last`, inclusive. */
  add(first: number, last = first): void {
    if (last >= this.counts.length) this.grow(last + 1)
    for (let cluster = first; cluster <= last; cluster += 1) {
      const count = this.counts[cluster] ?? 0
      if (count === MAX_REFCOUNT) throw new RangeError(`host cluster ${cluster} refcount overflow`)
      this.counts[cluster] = count + 1
    }
    this.used = Math.max(this.used, last + 1)
  }

  get(cluster: number): number {
    return this.counts[cluster] ?? 0
  }

  /** Clusters up to the last one referenced. */
  get length(): number {
    return this.used
  }

  private grow(needed: number): void {
    let size = this.counts.length
    while (size < needed) size *= 2
    const next = new Uint16Array(size)
    next.set(this.counts)
    this.counts = next
  }

  /** Refcount block `index` as stored: one big-endian 16-bit count per cluster. */
  encodeBlock(index: number): Buffer {
    const block = Buffer.alloc(CLUSTER_SIZE)
    const first = index * REFCOUNTS_PER_BLOCK
    const end = Math.min(this.used, first + REFCOUNTS_PER_BLOCK)
    for (let cluster = first; cluster < end; cluster += 1) {
      block.writeUInt16BE(this.get(cluster), (cluster - first) * 2)
    }
    return block
  }
}

/** Where the metadata behind the data lives, in whole clusters, in this order. */
export interface MetadataPlan {
  readonly l2Offset: number
  readonly l2Tables: number
  readonly l1Offset: number
  readonly l1Clusters: number
  readonly refcountTableOffset: number
  readonly refcountTableClusters: number
  readonly refcountBlocksOffset: number
  readonly refcountBlocks: number
  /** Clusters in the finished file. */
  readonly totalClusters: number
}

/** Refcount blocks and table clusters that count `clusters` clusters plus themselves. */
export function refcountStructures(clusters: number): { blocks: number; tableClusters: number } {
  let blocks = 0
  let tableClusters = 0
  for (;;) {
    const total = clusters + blocks + tableClusters
    const nextBlocks = Math.ceil(total / REFCOUNTS_PER_BLOCK)
    const nextTable = Math.ceil((nextBlocks * 8) / CLUSTER_SIZE)
    if (nextBlocks === blocks && nextTable === tableClusters) return { blocks, tableClusters }
    blocks = nextBlocks
    tableClusters = nextTable
  }
}

/** L2 tables, then the L1 table, then the refcount table and blocks, after `dataEnd`. */
export function planMetadata(dataEnd: number, l2Tables: number, l1Entries: number): MetadataPlan {
  const l2Offset = alignToCluster(dataEnd)
  const l1Offset = l2Offset + l2Tables * CLUSTER_SIZE
  const l1Clusters = Math.ceil((l1Entries * 8) / CLUSTER_SIZE)
  const refcountTableOffset = l1Offset + l1Clusters * CLUSTER_SIZE
  const { blocks, tableClusters } = refcountStructures(refcountTableOffset / CLUSTER_SIZE)
  const refcountBlocksOffset = refcountTableOffset + tableClusters * CLUSTER_SIZE
  return {
    l2Offset,
    l2Tables,
    l1Offset,
    l1Clusters,
    refcountTableOffset,
    refcountTableClusters: tableClusters,
    refcountBlocksOffset,
    refcountBlocks: blocks,
    totalClusters: refcountBlocksOffset / CLUSTER_SIZE + blocks,
  }
}

/** The refcount table: the offset of each refcount block, padded to whole clusters. */
export function encodeRefcountTable(plan: MetadataPlan): Buffer {
  const table = Buffer.alloc(plan.refcountTableClusters * CLUSTER_SIZE)
  for (let block = 0; block < plan.refcountBlocks; block += 1) {
    const offset = plan.refcountBlocksOffset + block * CLUSTER_SIZE
    table.writeBigUInt64BE(BigInt(offset), block * 8)
  }
  return table
}
