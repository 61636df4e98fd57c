// Logical sector sizes a loop device (losetup --sector-size) and a QEMU virtio disk can have.
// One list, so a build never makes a disk the boot test cannot show the same way.
import { ConfigError, type BuilderError, type BuilderErrorOptions } from '../errors.ts'

export type SectorSize = 512 | 1024 | 2048 | 4096

export const SECTOR_SIZES: readonly SectorSize[] = [512, 1024, 2048, 4096]
export const DEFAULT_SECTOR_SIZE: SectorSize = 512

export function isSectorSize(value: number): value is SectorSize {
  return (SECTOR_SIZES as readonly number[]).includes(value)
}

/**
 * A sector size given as text; `where` names the setting (DIB_BLOCK_SIZE, --sector-size), and
 * `Refusal` is the error a bad value raises there (a command-line option is a usage error).
 */
export function parseSectorSize(
  text: string,
  where: string,
  Refusal: new (message: string, options?: BuilderErrorOptions) => BuilderError = ConfigError,
): SectorSize {
  const size = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (isSectorSize(size)) return size
  throw new Refusal(
    `Cannot use ${where} "${text}": a sector size is ${SECTOR_SIZES.join(', ')} bytes`,
    {
      hint: `Set ${where} to 512 (most disks) or 4096 (4Kn disks)`,
    },
  )
}
