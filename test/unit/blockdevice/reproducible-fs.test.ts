import { describe, expect, it } from 'vitest'
import { buildMkfsArgv, withExtendedOption } from '../../../src/blockdevice/run/mkfs-argv.ts'
import {
  debugfsTimesScript,
  extHashSeed,
  parseUsedInodes,
  rebuildKind,
  vfatCopyCommands,
} from '../../../src/blockdevice/run/reproducible-fs.ts'

const UUID = '7f1c2e4a-0b3d-4c5e-8f60-718293a4b5c6'

// The lines of `dumpe2fs` the parser reads, as e2fsprogs 1.47 prints them (other lines elided).
const DUMPE2FS = `Filesystem volume name:   img-rootfs
Inode count:              32768
First inode:              11
Inodes per group:         16
Group 0: (Blocks 0-32767) csum 0x6907 [ITABLE_ZEROED]
  Primary superblock at 0, Group descriptors at 1-1
  Free inodes: 15-16
Group 1: (Blocks 32768-65535) csum 0xa609 [INODE_UNINIT, ITABLE_ZEROED]
  Free blocks: 32768-65535
  Free inodes: 17-20, 22, 24-32
Group 2: (Blocks 65536-98303) csum 0xc2bf [ITABLE_ZEROED]
  Free inodes: 
`

describe('parseUsedInodes', () => {
  it('lists the root and every used inode from the first one, skipping free ranges and single inodes', () => {
    expect(parseUsedInodes(DUMPE2FS)).toEqual([
      2,
      11,
      12,
      13,
      14,
      21,
      23,
      ...Array.from({ length: 16 }, (_, i) => 33 + i),
    ])
  })

  it('fails on output it cannot read rather than pinning nothing', () => {
    expect(() => parseUsedInodes('Group 0: (Blocks 0-1)\n')).toThrow(/Inodes per group/)
  })
})

describe('debugfsTimesScript', () => {
  it('sets the access and change time of each inode to the epoch', () => {
    expect(debugfsTimesScript([2, 11], 1700000000)).toBe(
      'sif <2> atime @1700000000\nsif <2> ctime @1700000000\nsif <11> atime @1700000000\nsif <11> ctime @1700000000\n',
    )
  })
})

describe('rebuildKind', () => {
  it.each([
    ['ext4', 'ext'],
    ['ext2', 'ext'],
    ['vfat', 'vfat'],
  ])('%s is rebuilt as %s', (type, kind) => {
    expect(rebuildKind(type)).toBe(kind)
  })

  it.each(['xfs', 'btrfs', 'swap'])('%s is kept, with a reason', (type) => {
    expect(rebuildKind(type)).toEqual({ reason: expect.any(String) as string })
  })
})

describe('extHashSeed', () => {
  it('is a fixed UUID for a fixed filesystem UUID, another for another', () => {
    expect(extHashSeed(UUID)).toBe(extHashSeed(UUID))
    expect(extHashSeed(UUID)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(extHashSeed(UUID)).not.toBe(extHashSeed(UUID.replace('7f', '8f')))
  })
})

describe('vfatCopyCommands', () => {
  it('makes directories parents first, then copies each directory in name order', () => {
    const entries = [
      { path: 'EFI/debian/grubx64.efi', isDirectory: false },
      { path: 'EFI', isDirectory: true },
      { path: 'EFI/BOOT/BOOTX64.EFI', isDirectory: false },
      { path: 'EFI/debian', isDirectory: true },
      { path: 'EFI/BOOT', isDirectory: true },
      { path: 'EFI/debian/grub.cfg', isDirectory: false },
      { path: 'startup.nsh', isDirectory: false },
    ]
    expect(vfatCopyCommands('/dev/loop0p1', entries, '/s')).toEqual([
      ['mmd', '-i', '/dev/loop0p1', '::/EFI', '::/EFI/BOOT', '::/EFI/debian'],
      ['mcopy', '-m', '-i', '/dev/loop0p1', '/s/startup.nsh', '::/'],
      ['mcopy', '-m', '-i', '/dev/loop0p1', '/s/EFI/BOOT/BOOTX64.EFI', '::/EFI/BOOT'],
      [
        'mcopy',
        '-m',
        '-i',
        '/dev/loop0p1',
        '/s/EFI/debian/grub.cfg',
        '/s/EFI/debian/grubx64.efi',
        '::/EFI/debian',
      ],
    ])
  })

  it('has nothing to do for an empty tree', () => {
    expect(vfatCopyCommands('/dev/x', [], '/s')).toEqual([])
  })
})

describe('buildMkfsArgv, reproducible rebuild', () => {
  it("fills ext4 from the tree with a fixed hash seed joined to the options' own -E", () => {
    expect(
      buildMkfsArgv({
        type: 'ext4',
        device: '/dev/x',
        label: 'root',
        uuid: UUID,
        opts: ['-i', '4096', '-E', 'resize=100'],
        reproducible: { from: '/stage', hashSeed: 'H' },
      }),
    ).toEqual([
      'mkfs.ext4',
      '-i',
      '4096',
      '-E',
      'resize=100,hash_seed=H',
      '-L',
      'root',
      '-U',
      UUID,
      '-d',
      '/stage',
      '-q',
      '/dev/x',
    ])
  })

  it('gives vfat --invariant and its volume id', () => {
    expect(
      buildMkfsArgv({
        type: 'vfat',
        device: '/dev/x',
        label: 'ESP',
        uuid: '1A2B-3C4D',
        opts: ['-F', '32'],
        reproducible: { from: '/stage' },
      }),
    ).toEqual(['mkfs.vfat', '-F', '32', '--invariant', '-n', 'ESP', '-i', '1A2B3C4D', '/dev/x'])
  })
})

describe('withExtendedOption', () => {
  it.each([
    [[], ['-E', 'hash_seed=H']],
    [
      ['-E', 'a=1', '-E', 'b=2'],
      ['-E', 'a=1', '-E', 'b=2,hash_seed=H'],
    ],
    [['-Eresize=5'], ['-Eresize=5,hash_seed=H']],
    [
      ['-O', '^has_journal'],
      ['-O', '^has_journal', '-E', 'hash_seed=H'],
    ],
  ])('%j gets the option where mke2fs reads it', (opts, expected) => {
    expect(withExtendedOption(opts, 'hash_seed=H')).toEqual(expected)
  })
})
