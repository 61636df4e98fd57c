// Deflate guest clusters on libuv's thread pool, several at once, and hand the results back
// strictly in the order the clusters came in: the file is then the same whatever finished
// first. At most `window` clusters are in flight, which bounds memory.
import { deflateRaw, type ZlibOptions } from 'node:zlib'

/**
 * What QEMU inflates: raw deflate (no zlib header) with a 4 KiB window (windowBits 12); a
 * larger window makes streams QEMU cannot read. Level 6 and memLevel 8 are zlib's defaults:
 * qemu-img's memLevel 9 gave no smaller file here but five times the page faults (its
 * buffers are too big for malloc to reuse). Changing any of these changes the bytes.
 */
export const QCOW2_DEFLATE: ZlibOptions = { windowBits: 12, level: 6, memLevel: 8 }

export function deflateCluster(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(data, QCOW2_DEFLATE, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

export interface Pending<T> {
  readonly item: T
  readonly result: Promise<Buffer>
}

/** Each item with its compressed form, in input order, `window` compressions at a time. */
export async function* deflateInOrder<T>(
  items: AsyncIterable<T>,
  dataOf: (item: T) => Buffer,
  window: number,
): AsyncGenerator<{ readonly item: T; readonly deflated: Buffer }> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window ${window} is not >= 1`)
  const queue: Pending<T>[] = []
  for await (const item of items) {
    const result = deflateCluster(dataOf(item))
    // a failure is reported when its turn comes, not as an unhandled rejection before that
    result.catch(() => undefined)
    queue.push({ item, result })
    while (queue.length >= window) {
      const head = queue.shift() as Pending<T>
      yield { item: head.item, deflated: await head.result }
    }
  }
  for (const head of queue.splice(0)) yield { item: head.item, deflated: await head.result }
}
