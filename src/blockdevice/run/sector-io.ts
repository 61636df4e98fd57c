// Writes encoded sectors into an image file or a block device and makes them durable before
// anyone (partx, the kernel) reads the table back.
import { open } from 'node:fs/promises'
import type { SectorWrite } from '../layout/mbr-encode.ts'

export async function writeSectors(path: string, writes: readonly SectorWrite[]): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    for (const write of writes) {
      const { bytesWritten } = await handle.write(write.data, 0, write.data.length, write.offset)
      if (bytesWritten !== write.data.length) {
        throw new Error(
          `Cannot write ${write.data.length} bytes at offset ${write.offset} of "${path}": short write of ${bytesWritten}`,
        )
      }
    }
    await handle.sync()
  } finally {
    await handle.close()
  }
}
