// Read a raw disk image front to back in large chunks and yield its guest clusters that are
// not all zeros; the last cluster of a size that is not a whole number of clusters is padded
// with zeros. Zero clusters are skipped: a qcow2 without a backing file reads them as zeros.
import type { FileHandle } from 'node:fs/promises'
import { CLUSTER_SIZE } from './layout.ts'

const CLUSTERS_PER_READ = 16
const ZERO_CLUSTER = Buffer.alloc(CLUSTER_SIZE)

export interface GuestCluster {
  readonly index: number
  /** From `pool`: give it back once its bytes are written. */
  readonly data: Buffer
}

/** Cluster-sized buffers handed out and given back, so reading a disk allocates little. */
export class ClusterPool {
  private readonly free: Buffer[] = []

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(CLUSTER_SIZE)
  }

  give(buffer: Buffer): void {
    if (buffer.length === CLUSTER_SIZE) this.free.push(buffer)
  }
}

export interface ReadOptions {
  /** Called after every read with the bytes read so far. */
  readonly onRead?: ((bytes: number) => void) | undefined
  readonly signal?: AbortSignal | undefined
}

export async function* nonZeroClusters(
  raw: FileHandle,
  size: number,
  pool: ClusterPool,
  options: ReadOptions = {},
): AsyncGenerator<GuestCluster> {
  const buffer = Buffer.allocUnsafeSlow(CLUSTER_SIZE * CLUSTERS_PER_READ)
  for (let start = 0; start < size; start += buffer.length) {
    options.signal?.throwIfAborted()
    const chunk = buffer.subarray(0, Math.min(buffer.length, size - start))
    await readFully(raw, chunk, start)
    options.onRead?.(start + chunk.length)
    for (let offset = 0; offset < chunk.length; offset += CLUSTER_SIZE) {
      const piece = chunk.subarray(offset, Math.min(offset + CLUSTER_SIZE, chunk.length))
      if (piece.equals(ZERO_CLUSTER.subarray(0, piece.length))) continue
      // the read buffer is reused at once; the cluster is compressed later, from its own copy
      const data = pool.take()
      piece.copy(data)
      data.fill(0, piece.length)
      yield { index: (start + offset) / CLUSTER_SIZE, data }
    }
  }
}

async function readFully(raw: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < chunk.length) {
    const { bytesRead } = await raw.read(chunk, done, chunk.length - done, position + done)
    if (bytesRead === 0) throw new Error(`raw image ended at byte ${position + done} while reading`)
    done += bytesRead
  }
}
