import { describe, expect, it } from 'vitest'
import { buildSgdiskArgv, layoutGpt } from '../../../src/blockdevice/layout/gpt-argv.ts'
import {
  buildLvcreateArgv,
  buildPvcreateArgv,
  buildVgcreateArgv,
  lvDevicePath,
} from '../../../src/blockdevice/run/lvm-argv.ts'
import { buildMkfsArgv } from '../../../src/blockdevice/run/mkfs-argv.ts'
import type { LvNode } from '../../../src/blockdevice/config/node-types.ts'
import { listTablePartitions } from '../../../src/blockdevice/config/plan.ts'
import { ConfigError } from '../../../src/errors.ts'
import { planFixture, planText } from './fixture-config.ts'

const UUID = '0f3d2c1b-aaaa-4bbb-8ccc-123456789abc'

describe('buildMkfsArgv()', () => {
  it.each([
    ['ext4', [], UUID, ['mkfs.ext4', '-L', 'root', '-U', UUID, '-q', '/dev/x']],
    [
      'ext3',
      ['-O', '^metadata_csum'],
      undefined,
      ['mkfs.ext3', '-O', '^metadata_csum', '-L', 'root', '-q', '/dev/x'],
    ],
    ['ext2', [], UUID, ['mkfs.ext2', '-L', 'root', '-U', UUID, '-q', '/dev/x']],
    [
      'xfs',
      ['-i', 'size=512'],
      UUID,
      ['mkfs.xfs', '-i', 'size=512', '-L', 'root', '-m', `uuid=${UUID}`, '-q', '/dev/x'],
    ],
    ['btrfs', [], UUID, ['mkfs.btrfs', '-L', 'root', '-U', UUID, '-q', '/dev/x']],
    ['swap', [], UUID, ['mkswap', '-L', 'root', '-U', UUID, '/dev/x']],
    [
      'vfat',
      ['-F', '32'],
      '1A2B-3C4D',
      ['mkfs.vfat', '-F', '32', '-n', 'root', '-i', '1A2B3C4D', '/dev/x'],
    ],
    ['f2fs', [], undefined, ['mkfs.f2fs', '-L', 'root', '/dev/x']],
  ])('builds %s with opts %j', (type, opts, uuid, argv) => {
    expect(buildMkfsArgv({ type, device: '/dev/x', label: 'root', uuid, opts })).toEqual(argv)
  })
})

describe('layoutGpt() and buildSgdiskArgv()', () => {
  const gpt = (partitions: string): ReturnType<typeof planText> =>
    planText(
      `- local_loop: {name: image0}\n- partitioning:\n    base: image0\n    label: gpt\n    partitions: ${partitions}`,
    )

  it('takes percentages of what is left after earlier partitions', () => {
    const plan = gpt('[{name: a, size: 50%}, {name: b, size: 50%}, {name: c, size: 100%}]')
    const [table] = plan.tables
    if (!table) throw new Error('no table')
    expect(layoutGpt(listTablePartitions(plan, table), 1024 ** 3).map((p) => p.sizeMiB)).toEqual([
      511, 255, 256,
    ])
  })

  it('floors sizes to MiB and adds GUIDs and a default type', () => {
    const plan = gpt('[{name: a, size: 10.5MiB}, {name: b, size: 100%, type: ef02}]')
    const [table] = plan.tables
    if (!table) throw new Error('no table')
    const partitions = layoutGpt(listTablePartitions(plan, table), 100 * 1024 ** 2).map((p) => ({
      ...p,
      guid: `guid-${p.number}`,
    }))
    expect(buildSgdiskArgv({ device: 'disk.raw', partitions, diskGuid: 'disk-guid' })).toEqual([
      'sgdisk',
      'disk.raw',
      '-n',
      '1:0:+10M',
      '-t',
      '1:8300',
      '-c',
      '1:a',
      '-u',
      '1:guid-1',
      '-n',
      '2:0:+88M',
      '-t',
      '2:EF02',
      '-c',
      '2:b',
      '-u',
      '2:guid-2',
      '-U',
      'disk-guid',
    ])
  })

  it('truncates names to the 36 characters GPT stores', () => {
    const name = 'x'.repeat(40)
    const argv = buildSgdiskArgv({
      device: 'd',
      partitions: [{ name, number: 1, sizeMiB: 1, type: '8300' }],
    })
    expect(argv).toContain(`1:${'x'.repeat(36)}`)
  })

  it.each([
    ['too large', '[{name: a, size: 2GiB}]', /Cannot fit partition "a"/],
    ['below one MiB', '[{name: a, size: 512KiB}]', /whole MiB/],
  ])('refuses a partition %s', (_what, partitions, message) => {
    const plan = gpt(partitions)
    const [table] = plan.tables
    if (!table) throw new Error('no table')
    expect(() => layoutGpt(listTablePartitions(plan, table), 1024 ** 3)).toThrow(ConfigError)
    expect(() => layoutGpt(listTablePartitions(plan, table), 1024 ** 3)).toThrow(message)
  })
})

describe('LVM argv builders', () => {
  const lv = (over: Partial<LvNode>): LvNode => {
    const base = planFixture('lvm_graph.yaml').byName.get('lv_root')
    if (base?.kind !== 'lv') throw new Error('lv_root missing')
    return { ...base, size: undefined, ...over }
  }

  it('builds pvcreate and vgcreate with options after the names', () => {
    expect(buildPvcreateArgv('/dev/loop0p1', ['--force'])).toEqual([
      'pvcreate',
      '/dev/loop0p1',
      '--force',
    ])
    expect(buildVgcreateArgv('vg', ['/dev/loop0p1', '/dev/loop0p2'], ['--force'])).toEqual([
      'vgcreate',
      'vg',
      '/dev/loop0p1',
      '/dev/loop0p2',
      '--force',
    ])
  })

  it('sizes LVs in bytes rounded down to 4 MiB extents, as the lvm_graph fixture gives', () => {
    const plan = planFixture('lvm_graph.yaml')
    const root = plan.byName.get('lv_root')
    if (root?.kind !== 'lv') throw new Error('lv_root missing')
    expect(buildLvcreateArgv(root)).toEqual([
      'lvcreate',
      '--name',
      'lv_root',
      '-L',
      '1799356416B',
      'vg',
    ])
  })

  it('builds thin pools, thin volumes and extents', () => {
    const plan = planFixture('lvm_tree_thin_provision.yaml')
    const pool = plan.byName.get('lv_thinpool')
    const thin = plan.byName.get('lv_root')
    if (pool?.kind !== 'lv' || thin?.kind !== 'lv') throw new Error('LVs missing')
    expect(buildLvcreateArgv(pool)).toEqual([
      'lvcreate',
      '--name',
      'lv_thinpool',
      '--type',
      'thin-pool',
      '-L',
      `${2800 * 1024 ** 2}B`,
      'vg',
    ])
    expect(buildLvcreateArgv(thin)).toEqual([
      'lvcreate',
      '--name',
      'lv_root',
      '--type',
      'thin',
      '--thin-pool',
      'lv_thinpool',
      '-V',
      `${1800 * 1024 ** 2}B`,
      'vg',
    ])
    expect(buildLvcreateArgv(lv({ extents: '28%VG', options: ['--zero', 'n'] }))).toEqual([
      'lvcreate',
      '--name',
      'lv_root',
      '-l',
      '28%VG',
      '--zero',
      'n',
      'vg',
    ])
  })

  it('names LV devices the way device-mapper does', () => {
    expect(lvDevicePath('vg', 'lv_root')).toBe('/dev/mapper/vg-lv_root')
    expect(lvDevicePath('my-vg', 'a-b')).toBe('/dev/mapper/my--vg-a--b')
  })
})
