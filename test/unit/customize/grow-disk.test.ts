import { describe, expect, it } from 'vitest'
import {
  grownSize,
  growMountedArgv,
  lastPartition,
  partitionNumber,
} from '../../../src/customize/grow-disk.ts'
import { UsageError } from '../../../src/errors.ts'

const MiB = 1024 ** 2

describe('grownSize()', () => {
  it('takes the whole size, or adds to the current one, rounded up to 4 KiB', () => {
    expect(grownSize(100 * MiB, { bytes: 200 * MiB, grow: false })).toBe(200 * MiB)
    expect(grownSize(100 * MiB, { bytes: 50 * MiB, grow: true })).toBe(150 * MiB)
    expect(grownSize(100 * MiB, { bytes: 8e9, grow: false })).toBe(8e9)
    expect(grownSize(4096, { bytes: 1, grow: true })).toBe(8192)
  })

  it('refuses to shrink, naming both sizes', () => {
    expect(() => grownSize(100 * MiB, { bytes: 50 * MiB, grow: false })).toThrow(UsageError)
    expect(() => grownSize(100 * MiB, { bytes: 50 * MiB, grow: false })).toThrow(
      /52428800 bytes is smaller than the image \(104857600 bytes\); shrinking is not supported/,
    )
  })
})

describe('the partition to grow', () => {
  it('is the one that ends last, whatever its number', () => {
    const table = {
      label: 'gpt',
      partitions: [
        { node: 'disk.raw2', start: 4096, size: 1000 },
        { node: 'disk.raw1', start: 2048, size: 2048 },
        { node: 'disk.raw14', start: 10000, size: 1 },
      ],
    }
    expect(lastPartition(table)?.node).toBe('disk.raw14')
    expect(partitionNumber('disk.raw14')).toBe(14)
    expect(partitionNumber('/dev/loop3p2')).toBe(2)
    expect(lastPartition({ label: 'dos', partitions: [] })).toBeUndefined()
  })

  it('has its XFS or btrfs filesystem grown online, at the mount point', () => {
    expect(growMountedArgv('xfs', '/m')).toEqual(['xfs_growfs', '/m'])
    expect(growMountedArgv('btrfs', '/m')).toEqual(['btrfs', 'filesystem', 'resize', 'max', '/m'])
    expect(growMountedArgv('vfat', '/m')).toBeUndefined()
  })
})
