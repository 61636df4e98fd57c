import { describe, expect, it } from 'vitest'
import {
  findSpec,
  parseBlkidExport,
  parseFstab,
  planFstabMounts,
  type ProbedFilesystem,
} from '../../../src/customize/filesystems.ts'

const esp: ProbedFilesystem = {
  device: '/dev/loop7p1',
  type: 'vfat',
  uuid: 'ABCD-1234',
  label: 'ESP',
  partUuid: '11111111-aaaa-4bbb-8ccc-000000000001',
}
const boot: ProbedFilesystem = {
  device: '/dev/loop7p2',
  type: 'ext4',
  uuid: 'b0b0b0b0-0000-4000-8000-000000000002',
  label: 'boot',
}
const root: ProbedFilesystem = {
  device: '/dev/loop7p3',
  type: 'btrfs',
  uuid: 'f00df00d-0000-4000-8000-000000000003',
  label: 'fedora',
}
const all = [esp, boot, root]

describe('parseBlkidExport()', () => {
  it('reads the filesystem and partition identifiers', () => {
    const text =
      'DEVNAME=/dev/loop7p3\nLABEL=cloudimg-rootfs\nUUID=f00d\nTYPE=ext4\nPART_ENTRY_UUID=1234-ab\nPART_ENTRY_NAME=root\n'
    expect(parseBlkidExport('/dev/loop7p3', text)).toEqual({
      device: '/dev/loop7p3',
      type: 'ext4',
      uuid: 'f00d',
      label: 'cloudimg-rootfs',
      partUuid: '1234-ab',
      partLabel: 'root',
    })
  })

  it('gives undefined when blkid found no filesystem', () => {
    expect(
      parseBlkidExport('/dev/loop7p4', 'DEVNAME=/dev/loop7p4\nPART_ENTRY_UUID=x\n'),
    ).toBeUndefined()
  })
})

describe('findSpec()', () => {
  it.each([
    ['UUID=B0B0B0B0-0000-4000-8000-000000000002', boot],
    ['LABEL=ESP', esp],
    ['LABEL="fedora"', root],
    ['PARTUUID=11111111-aaaa-4bbb-8ccc-000000000001', esp],
    ['/dev/disk/by-uuid/ABCD-1234', esp],
    ['/dev/disk/by-label/boot', boot],
    ['LABEL=esp', undefined],
    ['/dev/sda1', undefined],
    ['server:/export', undefined],
  ])('%s', (spec, expected) => {
    expect(findSpec(spec, all)).toBe(expected)
  })
})

describe('planFstabMounts()', () => {
  it('mounts /boot before /boot/efi, keeps btrfs subvolumes and skips what is not on the disk', () => {
    const fstab = parseFstab(
      [
        '# /etc/fstab',
        'UUID=f00df00d-0000-4000-8000-000000000003 / btrfs subvol=root,compress=zstd:1 0 0',
        'UUID=ABCD-1234 /boot/efi vfat umask=0077,shortname=winnt 0 2',
        'LABEL=boot /boot ext4 defaults 1 2',
        'UUID=f00df00d-0000-4000-8000-000000000003 /home btrfs subvol=home,compress=zstd:1 0 0',
        'LABEL=swap none swap sw 0 0',
        'tmpfs /tmp tmpfs defaults 0 0',
        'nas:/srv /srv nfs defaults 0 0',
        'LABEL=data /data ext4 defaults 0 2',
        'LABEL=boot /mnt/x ext4 noauto 0 0',
      ].join('\n'),
    )
    const plan = planFstabMounts(fstab, all, root)
    expect(plan.mounts.map((m) => [m.mountPoint, m.filesystem.device, m.options])).toEqual([
      ['/boot', '/dev/loop7p2', []],
      ['/home', '/dev/loop7p3', ['subvol=home']],
      ['/boot/efi', '/dev/loop7p1', []],
    ])
    expect(plan.skipped).toEqual(['LABEL=data /data'])
  })

  it('reads \\040 as a space in fstab fields', () => {
    expect(parseFstab('LABEL=my\\040disk /mnt/my\\040disk ext4')[0]).toMatchObject({
      spec: 'LABEL=my disk',
      mountPoint: '/mnt/my disk',
      options: ['defaults'],
    })
  })
})
