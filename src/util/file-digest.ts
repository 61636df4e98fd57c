// A file's SHA-256 read through one reused buffer. A read stream hands out a fresh 64 KiB
// Buffer per chunk, which the garbage collector frees late: hashing the 52 MB debootstrap
// tarball or a 250 MB qcow2 that way left the build's Node process 60 MB larger for the rest
// of the build (docs/cache.md, "Cold path", memory).
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

const CHUNK = 1024 * 1024

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
    }
  } finally {
    await file.close()
  }
  return hash.digest('hex')
}
