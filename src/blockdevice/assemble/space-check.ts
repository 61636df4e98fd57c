// A full workspace shows up in odd places (mkfs reports an I/O error on a loop device whose
// sparse file can no longer grow): when a step fails, say so if the filesystem is full.
import { statfs } from 'node:fs/promises'
import { BlockDeviceError, BuilderError } from '../../errors.ts'

const NEARLY_FULL_BYTES = 4 * 1024 * 1024

export async function explainingFullDisk<T>(dir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const stats = await statfs(dir).catch(() => undefined)
    if (stats === undefined || stats.bavail * stats.bsize >= NEARLY_FULL_BYTES) throw error
    const message = error instanceof Error ? error.message : String(error)
    const exitHint = error instanceof BuilderError && error.hint ? ` (${error.hint})` : ''
    throw new BlockDeviceError(`${message}: no space left on device in "${dir}"`, {
      hint: `Free space on the filesystem holding "${dir}", or set TMPDIR to a larger one${exitHint}`,
      cause: error,
    })
  }
}

/** The sparse image grows by at least the tree it receives: refuse early when that cannot fit. */
export async function requireSpace(dir: string, bytes: number): Promise<void> {
  const stats = await statfs(dir).catch(() => undefined)
  if (stats === undefined) return
  const free = stats.bavail * stats.bsize
  if (free >= bytes) return
  const mib = (n: number): string => `${(n / 1024 ** 2).toFixed(1)} MiB`
  throw new BlockDeviceError(
    `Cannot build the disk image in "${dir}": the tree needs ${mib(bytes)} and only ${mib(free)} is free (no space left on device)`,
    {
      hint: `Free space on the filesystem holding "${dir}", or set TMPDIR to a larger one`,
    },
  )
}
