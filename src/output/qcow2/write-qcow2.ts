// imagewright's own writer of compressed qcow2 images. The raw image is read once, front to
// back; its non-zero clusters are deflated in parallel and their bytes packed back to back
// after the header cluster in guest order, so the file is byte-for-byte the same whatever the
// timing. The L2 tables, L1 table and refcounts follow the data; the header is written last.
import { open, type FileHandle } from 'node:fs/promises'
import {
  alignToCluster,
  CLUSTER_SIZE,
  clustersTouched,
  compressedL2Entry,
  encodeHeader,
  l1EntriesFor,
  l1Entry,
  L2_ENTRIES,
  standardL2Entry,
} from './layout.ts'
import { deflateInOrder } from './ordered-deflate.ts'
import { ClusterPool, nonZeroClusters, type GuestCluster } from './raw-clusters.ts'
import { encodeRefcountTable, planMetadata, Refcounts, type MetadataPlan } from './refcounts.ts'

/** Clusters being deflated at once: enough for libuv's 4 pool threads, 512 KiB of input. */
export const DEFAULT_WINDOW = 8

export interface Qcow2Input {
  readonly source: string
  readonly target: string
  /** Compressions in flight; the output does not depend on it. */
  readonly window?: number | undefined
  readonly onProgress?: ((percent: number) => void) | undefined
  readonly signal?: AbortSignal | undefined
}

export interface Qcow2Stats {
  readonly virtualSize: number
  readonly compressedClusters: number
  /** Clusters stored as they are because deflate did not make them smaller. */
  readonly storedClusters: number
  readonly fileBytes: number
}

/** Sequential writes through one buffer, which `append` copies into. */
class Sink {
  private readonly buffer = Buffer.allocUnsafeSlow(1024 * 1024)
  private filled = 0
  private readonly file: FileHandle
  private flushedTo: number
  position: number

  constructor(file: FileHandle, position: number) {
    this.file = file
    this.position = position
    this.flushedTo = position
  }

  async append(bytes: Buffer): Promise<void> {
    let done = 0
    while (done < bytes.length) {
      const copied = bytes.copy(this.buffer, this.filled, done)
      this.filled += copied
      done += copied
      if (this.filled === this.buffer.length) await this.flush()
    }
    this.position += bytes.length
  }

  /** Zeros up to the next cluster boundary. */
  async alignToCluster(): Promise<void> {
    const gap = alignToCluster(this.position) - this.position
    if (gap > 0) await this.append(ZEROS.subarray(0, gap))
  }

  async flush(): Promise<void> {
    if (this.filled === 0) return
    await writeFully(this.file, this.buffer.subarray(0, this.filled), this.flushedTo)
    this.flushedTo += this.filled
    this.filled = 0
  }
}

const ZEROS = Buffer.alloc(CLUSTER_SIZE)

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done)
    done += bytesWritten
  }
}

/** L2 tables by L1 index, made when a guest cluster under them is first stored. */
class L2Tables {
  readonly tables = new Map<number, Buffer>()

  set(guestCluster: number, entry: bigint): void {
    const l1Index = Math.floor(guestCluster / L2_ENTRIES)
    let table = this.tables.get(l1Index)
    if (table === undefined) {
      table = Buffer.alloc(CLUSTER_SIZE)
      this.tables.set(l1Index, table)
    }
    table.writeBigUInt64BE(entry, (guestCluster % L2_ENTRIES) * 8)
  }
}

export async function writeCompressedQcow2(input: Qcow2Input): Promise<Qcow2Stats> {
  const raw = await open(input.source, 'r')
  try {
    const virtualSize = (await raw.stat()).size
    const target = await open(input.target, 'w')
    try {
      return await writeImage(raw, target, virtualSize, input)
    } finally {
      await target.close()
    }
  } finally {
    await raw.close()
  }
}

async function writeImage(
  raw: FileHandle,
  target: FileHandle,
  virtualSize: number,
  input: Qcow2Input,
): Promise<Qcow2Stats> {
  const refcounts = new Refcounts()
  const l2 = new L2Tables()
  refcounts.add(0) // the header cluster
  const sink = new Sink(target, CLUSTER_SIZE)
  const onRead =
    input.onProgress === undefined || virtualSize === 0
      ? undefined
      : (bytes: number) => input.onProgress?.((bytes / virtualSize) * 100)
  const pool = new ClusterPool()
  const clusters = nonZeroClusters(raw, virtualSize, pool, { onRead, signal: input.signal })
  const window = input.window ?? DEFAULT_WINDOW
  let compressedClusters = 0
  let storedClusters = 0
  for await (const { item, deflated } of deflateInOrder(clusters, dataOf, window)) {
    if (deflated.length < CLUSTER_SIZE) {
      const offset = sink.position
      l2.set(item.index, compressedL2Entry(offset, deflated.length))
      refcounts.add(...clustersTouched(offset, deflated.length))
      await sink.append(deflated)
      compressedClusters += 1
    } else {
      await sink.alignToCluster()
      const offset = sink.position
      l2.set(item.index, standardL2Entry(offset))
      refcounts.add(offset / CLUSTER_SIZE)
      await sink.append(item.data)
      storedClusters += 1
    }
    pool.give(item.data)
  }
  await sink.flush()
  const plan = planMetadata(sink.position, l2.tables.size, l1EntriesFor(virtualSize))
  await writeMetadata(target, plan, l2, refcounts, virtualSize)
  return {
    virtualSize,
    compressedClusters,
    storedClusters,
    fileBytes: plan.totalClusters * CLUSTER_SIZE,
  }
}

function dataOf(cluster: GuestCluster): Buffer {
  return cluster.data
}

async function writeMetadata(
  target: FileHandle,
  plan: MetadataPlan,
  l2: L2Tables,
  refcounts: Refcounts,
  virtualSize: number,
): Promise<void> {
  const l1 = Buffer.alloc(plan.l1Clusters * CLUSTER_SIZE)
  const indexes = [...l2.tables.keys()].sort((a, b) => a - b)
  for (const [position, l1Index] of indexes.entries()) {
    const offset = plan.l2Offset + position * CLUSTER_SIZE
    l1.writeBigUInt64BE(l1Entry(offset), l1Index * 8)
    await writeFully(target, l2.tables.get(l1Index) as Buffer, offset)
  }
  if (l1.length > 0) await writeFully(target, l1, plan.l1Offset)
  // every cluster from the first L2 table on is metadata, referenced once
  const firstMetadata = plan.l2Offset / CLUSTER_SIZE
  if (plan.totalClusters > firstMetadata) refcounts.add(firstMetadata, plan.totalClusters - 1)
  await writeFully(target, encodeRefcountTable(plan), plan.refcountTableOffset)
  for (let block = 0; block < plan.refcountBlocks; block += 1) {
    const offset = plan.refcountBlocksOffset + block * CLUSTER_SIZE
    await writeFully(target, refcounts.encodeBlock(block), offset)
  }
  const header = encodeHeader({
    virtualSize,
    l1Entries: l1EntriesFor(virtualSize),
    l1Offset: plan.l1Offset,
    refcountTableOffset: plan.refcountTableOffset,
    refcountTableClusters: plan.refcountTableClusters,
  })
  await writeFully(target, header, 0)
}
