import { describe, expect, it } from 'vitest'
import { computeImageSize, rootMkfsOptions } from '../../../src/blockdevice/assemble/image-size.ts'

const MiB = 1024 * 1024
const base = {
  fixedBytes: undefined,
  extraMiB: undefined,
  journalMiB: 64,
  rootFsType: 'ext4',
  hasEfiLayout: false,
}

describe('computeImageSize()', () => {
  it('scales the tree by 1/0.6 and adds the ext4 journal, rounded to 64 KiB', () => {
    const size = computeImageSize({ ...base, treeKiB: 600 * 1024 })
    expect(size).toBe(1000 * MiB + 64 * MiB)
    expect(size % (64 * 1024)).toBe(0)
  })

  it('adds a fixed margin instead of scaling when extra MiB are given', () => {
    expect(computeImageSize({ ...base, treeKiB: 300 * 1024, extraMiB: 50 })).toBe(
      350 * MiB + 64 * MiB,
    )
  })

  it('adds no journal for other filesystems', () => {
    expect(computeImageSize({ ...base, rootFsType: 'xfs', treeKiB: 60 * 1024 })).toBe(100 * MiB)
  })

  it('adds 525 MiB for an EFI layout when sizing automatically', () => {
    expect(
      computeImageSize({ ...base, rootFsType: 'xfs', treeKiB: 60 * 1024, hasEfiLayout: true }),
    ).toBe(625 * MiB)
  })

  it('uses a fixed size exactly, even for EFI layouts (unlike DIB)', () => {
    expect(
      computeImageSize({ ...base, treeKiB: 1, fixedBytes: 2 * 1024 * MiB, hasEfiLayout: true }),
    ).toBe(2 * 1024 * MiB)
  })

  it('keeps small ext4 filesystems at least four journals big', () => {
    expect(computeImageSize({ ...base, treeKiB: 1024 })).toBe(257 * MiB)
  })

  it('refuses a fixed size smaller than the tree, naming the option', () => {
    expect(() =>
      computeImageSize({
        ...base,
        rootFsType: 'xfs',
        treeKiB: 2048 * 1024,
        fixedBytes: 1024 * MiB,
      }),
    ).toThrow(
      'Image size 1024 MiB (--image-size or DIB_IMAGE_SIZE) is too small for the image tree (2048 MiB): it needs at least 2048 MiB',
    )
  })

  it('refuses a fixed size without room for the ext4 journal', () => {
    expect(() =>
      computeImageSize({ ...base, treeKiB: 2048 * 1024, fixedBytes: 2100 * MiB }),
    ).toThrow(
      'too small for the image tree (2048 MiB) and a 64 MiB ext4 journal: it needs at least 2112 MiB',
    )
    // mkfs.ext4 wants the journal to be at most about half the filesystem.
    expect(() => computeImageSize({ ...base, treeKiB: 1024, fixedBytes: 100 * MiB })).toThrow(
      'it needs at least 132 MiB',
    )
    expect(computeImageSize({ ...base, treeKiB: 1024, fixedBytes: 132 * MiB })).toBe(132 * MiB)
  })

  it('rounds up to 64 KiB', () => {
    expect(computeImageSize({ ...base, rootFsType: 'xfs', treeKiB: 1 })).toBe(64 * 1024)
  })
})

describe('rootMkfsOptions()', () => {
  it('gives ext4 the inode ratio and journal size before user options', () => {
    expect(
      rootMkfsOptions({
        rootFsType: 'ext4',
        journalMiB: 32,
        userOptions: ['-m', '0'],
        maxOnlineResize: undefined,
      }),
    ).toEqual(['-i', '4096', '-J', 'size=32', '-m', '0'])
  })

  it('puts the resize limit first for ext filesystems only', () => {
    expect(
      rootMkfsOptions({
        rootFsType: 'ext4',
        journalMiB: 64,
        userOptions: [],
        maxOnlineResize: '1000',
      }),
    ).toEqual(['-E', 'resize=1000', '-i', '4096', '-J', 'size=64'])
    expect(
      rootMkfsOptions({
        rootFsType: 'xfs',
        journalMiB: 64,
        userOptions: ['-K'],
        maxOnlineResize: '1000',
      }),
    ).toEqual(['-K'])
  })
})
