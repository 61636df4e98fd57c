import { describe, expect, it } from 'vitest'
import { requireRootMkfs } from '../../../src/pipeline/preflight.ts'

const nothingInstalled = async (): Promise<undefined> => undefined

describe('requireRootMkfs', () => {
  it('names the Debian package of a known filesystem whose mkfs is missing', async () => {
    const error = await requireRootMkfs('btrfs', nothingInstalled).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'ERR_HOST',
      message:
        'Cannot make the root filesystem: FS_TYPE is "btrfs" and "mkfs.btrfs" is not installed',
      hint: 'Install it with: apt-get install btrfs-progs',
    })
  })

  it('suspects a typo in an unknown type', async () => {
    await expect(requireRootMkfs('ext5', nothingInstalled)).rejects.toMatchObject({
      hint: 'Check FS_TYPE (ext4, xfs, btrfs, vfat...), or install the package that provides "mkfs.ext5"',
    })
  })

  it('passes when the mkfs is found', async () => {
    const asked: string[] = []
    await requireRootMkfs('xfs', async (tool) => (asked.push(tool), `/usr/sbin/${tool}`))
    expect(asked).toEqual(['mkfs.xfs'])
  })
})
