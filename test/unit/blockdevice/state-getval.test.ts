import { describe, expect, it } from 'vitest'
import {
  describeConfigValue,
  describeStateValue,
  formatImageBlockDevices,
  isStateSymbol,
  parseGetvalSymbol,
} from '../../../src/blockdevice/state/state-getval.ts'
import type { SavedState } from '../../../src/blockdevice/state/state-file.ts'
import { UsageError } from '../../../src/errors.ts'
import { planFixture, planText } from './fixture-config.ts'

const BOOT_LAYOUT = `
- local_loop:
    name: image0
    mkfs:
      name: mkfs_root
      mount:
        mount_point: /
- local_loop:
    name: image1
    mkfs:
      name: mkfs_boot
      type: ext2
      label: BOOTFS
      mount:
        mount_point: /boot
`

describe('getval symbols from the config', () => {
  it.each([
    ['root-label', 'mkfs_Root Part'],
    ['root-fstype', 'ext4'],
    ['boot-label', ''],
    ['mount-points', '/|/boot/efi'],
  ] as const)('%s of gpt_efi.yaml is %j', (symbol, value) => {
    expect(describeConfigValue(symbol, planFixture('gpt_efi.yaml'))).toBe(value)
  })

  it('gives the label of the filesystem at /boot and every mount point in mount order', () => {
    const plan = planText(BOOT_LAYOUT, { rootFsType: 'xfs' })
    expect(describeConfigValue('boot-label', plan)).toBe('BOOTFS')
    expect(describeConfigValue('root-label', plan)).toBe('img-rootfs')
    expect(describeConfigValue('root-fstype', plan)).toBe('xfs')
    expect(describeConfigValue('mount-points', plan)).toBe('/|/boot')
  })
})

describe('getval symbols from the devices', () => {
  const state = {
    imagePath: '/b/img/image0.raw',
    imageBlockDevice: '/dev/loop4',
    devices: { image0: '/dev/loop4', BSP: '/dev/loop4p1', root: '/dev/loop4p2' },
  } as unknown as SavedState

  it.each([
    ['image-path', '/b/img/image0.raw'],
    ['image-block-device', '/dev/loop4'],
    ['image-block-devices', ' [image0]=/dev/loop4 [BSP]=/dev/loop4p1 [root]=/dev/loop4p2'],
  ] as const)('%s is %j', (symbol, value) => {
    expect(describeStateValue(symbol, state)).toBe(value)
  })

  it('formats nothing as nothing', () => {
    expect(formatImageBlockDevices({})).toBe('')
  })
})

describe('parseGetvalSymbol()', () => {
  it('knows which symbols need the devices', () => {
    expect(isStateSymbol(parseGetvalSymbol('image-path'))).toBe(true)
    expect(isStateSymbol(parseGetvalSymbol('root-label'))).toBe(false)
  })

  it('refuses an unknown symbol as a usage error listing the known ones', () => {
    expect(() => parseGetvalSymbol('image-size')).toThrow(UsageError)
    expect(() => parseGetvalSymbol('image-size')).toThrow('Cannot get "image-size": unknown symbol')
  })
})
