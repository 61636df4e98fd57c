import { describe, expect, it } from 'vitest'
import {
  formatDisplaySteps,
  planCommandsForDisplay,
  quoteShellWord,
} from '../../../src/blockdevice/run/display.ts'
import type { BlockDeviceParams } from '../../../src/blockdevice/layout/params.ts'
import { readFallbackConfig } from '../../../src/blockdevice/config/fallback-config.ts'
import { planBlockDevice } from '../../../src/blockdevice/config/plan.ts'
import { planFixture } from './fixture-config.ts'

const PARAMS: BlockDeviceParams = {
  imageDir: '/tmp/build/image',
  imageSizeBytes: 1024 ** 3,
  mountBase: '/tmp/build/mnt',
  rootFsType: 'ext4',
  uuidSeed: 'fixture-seed',
}

describe('planCommandsForDisplay()', () => {
  it('lists the gpt_efi.yaml commands with a placeholder loop device', () => {
    const steps = planCommandsForDisplay(planFixture('gpt_efi.yaml'), {
      ...PARAMS,
      uuidSeed: undefined,
    })
    expect(steps.filter((step) => step.argv).map((step) => step.argv?.[0])).toEqual([
      'losetup',
      'sgdisk',
      'partx',
      'mkfs.vfat',
      'mkfs.ext4',
      'mount',
      'mount',
    ])
    expect(steps.find((step) => step.argv?.[0] === 'sgdisk')?.argv).toEqual([
      'sgdisk',
      '/dev/loop-image0',
      '-n',
      '1:0:+8M',
      '-t',
      '1:EF00',
      '-c',
      '1:ESP',
      '-n',
      '2:0:+8M',
      '-t',
      '2:EF02',
      '-c',
      '2:BSP',
      '-n',
      '3:0:+1006M',
      '-t',
      '3:8300',
      '-c',
      '3:Root Part',
    ])
    expect(
      steps.filter((step) => step.argv?.[0] === 'mount').map((step) => step.argv?.slice(1)),
    ).toEqual([
      ['/dev/loop-image0p3', '/tmp/build/mnt'],
      ['/dev/loop-image0p1', '/tmp/build/mnt/boot/efi'],
    ])
  })

  it.each([
    'deep_graph.yaml',
    'gpt_efi.yaml',
    'lvm_tree_spanned_vg.yaml',
    'lvm_tree_partition_ordering.yaml',
  ])('prints %s the same way every time for a seed', async (file) => {
    const params = file.startsWith('lvm') ? { ...PARAMS, imageSizeBytes: 6 * 1024 ** 3 } : PARAMS
    const text = formatDisplaySteps(
      planCommandsForDisplay(planFixture(file), params, {
        loopDevices: { image0: '/dev/loop0' },
        teardown: true,
      }),
    )
    expect(text).toBe(
      formatDisplaySteps(
        planCommandsForDisplay(planFixture(file), params, {
          loopDevices: { image0: '/dev/loop0' },
          teardown: true,
        }),
      ),
    )
    await expect(text).toMatchFileSnapshot(
      `../../fixtures/block-device/commands/${file.replace('.yaml', '.sh')}`,
    )
  })
})

describe('a btrfs root', () => {
  it("is made without libblkid's cache, and the shown command says so", () => {
    const steps = planCommandsForDisplay(
      planBlockDevice(readFallbackConfig(), { rootFsType: 'btrfs' }),
      PARAMS,
      {
        loopDevices: { image0: '/dev/loop0' },
      },
    )
    const mkfs = steps.find((step) => step.argv?.[0] === 'mkfs.btrfs')
    expect(mkfs?.env).toEqual({ BLKID_FILE: '/dev/null' })
    expect(formatDisplaySteps(steps)).toMatch(
      /^BLKID_FILE=\/dev\/null mkfs\.btrfs .* -U [0-9a-f-]{36} -q \/dev\/loop0$/m,
    )
    expect(steps.filter((step) => step.env !== undefined)).toHaveLength(1)
  })
})

describe('quoteShellWord()', () => {
  it.each([
    ['plain/path-1.raw', 'plain/path-1.raw'],
    ['3:Root Part', "'3:Root Part'"],
    ["it's", "'it'\\''s'"],
    ['', "''"],
    ['uuid=0f3d', 'uuid=0f3d'],
  ])('quotes %j as %s', (word, quoted) => {
    expect(quoteShellWord(word)).toBe(quoted)
  })
})
