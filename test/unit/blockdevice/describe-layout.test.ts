import { describe, expect, it } from 'vitest'
import { describeDiskLayout } from '../../../src/blockdevice/run/describe-layout.ts'
import { parseQemuImgProgress } from '../../../src/output/produce.ts'

const fs = (device: string, fstype: string, label: string, mountPoint: string | undefined) => ({
  device,
  fstype,
  label,
  uuid: undefined,
  mountPoint,
})

describe('the disk as built', () => {
  it('joins sfdisk partitions with the filesystems made on them', () => {
    const sfdisk = JSON.stringify({
      partitiontable: {
        label: 'gpt',
        device: '/w/image0.raw',
        unit: 'sectors',
        sectorsize: 512,
        partitions: [
          {
            node: '/w/image0.raw1',
            start: 2048,
            size: 16384,
            type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
            name: 'ESP',
          },
          {
            node: '/w/image0.raw2',
            start: 18432,
            size: 100000,
            type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
            name: 'root',
          },
          {
            node: '/w/image0.raw3',
            start: 118432,
            size: 2048,
            type: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
          },
        ],
      },
    })
    const layout = describeDiskLayout({
      sfdiskJson: sfdisk,
      imagePath: '/w/image0.raw',
      imageBytes: 64 << 20,
      sectorSize: 512,
      loopDevice: '/dev/loop4',
      filesystems: {
        mkfs_esp: fs('/dev/loop4p1', 'vfat', 'MKFS_ESP', '/boot/efi'),
        mkfs_root: fs('/dev/loop4p2', 'ext4', 'cloudimg-rootfs', '/'),
        swap: fs('/dev/loop4p3', 'swap', '', 'none'),
      },
    })
    expect(layout).toEqual({
      bytes: 64 << 20,
      sectorSize: 512,
      table: 'gpt',
      partitions: [
        {
          name: 'ESP',
          startBytes: 2048 * 512,
          bytes: 16384 * 512,
          type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
          fstype: 'vfat',
          label: 'MKFS_ESP',
          mountPoint: '/boot/efi',
        },
        {
          name: 'root',
          startBytes: 18432 * 512,
          bytes: 100000 * 512,
          type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
          fstype: 'ext4',
          label: 'cloudimg-rootfs',
          mountPoint: '/',
        },
        {
          name: 'partition 3',
          startBytes: 118432 * 512,
          bytes: 2048 * 512,
          type: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
          fstype: 'swap',
        },
      ],
    })
  })

  it('is one bare filesystem when the image has no partition table', () => {
    const layout = describeDiskLayout({
      sfdiskJson: undefined,
      imagePath: '/w/image0.raw',
      imageBytes: 1 << 30,
      sectorSize: 4096,
      loopDevice: '/dev/loop2',
      filesystems: { mkfs_root: fs('/dev/loop2', 'xfs', 'img-rootfs', '/') },
    })
    expect(layout).toEqual({
      bytes: 1 << 30,
      sectorSize: 4096,
      partitions: [
        {
          name: 'whole disk',
          startBytes: 0,
          bytes: 1 << 30,
          fstype: 'xfs',
          label: 'img-rootfs',
          mountPoint: '/',
        },
      ],
    })
  })
})

describe('qemu-img convert -p', () => {
  it('reads the percentage of its meter', () => {
    expect(parseQemuImgProgress('    (42.17/100%)')).toBe(42.17)
    expect(parseQemuImgProgress('    (100.00/100%)')).toBe(100)
    expect(parseQemuImgProgress('qemu-img: warning')).toBeUndefined()
  })
})
