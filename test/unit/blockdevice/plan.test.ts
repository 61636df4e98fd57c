import { describe, expect, it } from 'vitest'
import { readFallbackConfig } from '../../../src/blockdevice/config/fallback-config.ts'
import {
  getBootLabel,
  getMountPoints,
  getRootFsType,
  getRootLabel,
} from '../../../src/blockdevice/config/getval.ts'
import { planBlockDevice } from '../../../src/blockdevice/config/plan.ts'
import { ConfigError } from '../../../src/errors.ts'
import { planFixture, planShippedLayout, planText } from './fixture-config.ts'
import type { RootFsParams } from '../../../src/blockdevice/config/root-params.ts'

// The efi layout as block-device-efi ships it: mkfs_root leaves type and label to FS_TYPE and
// ROOT_LABEL (DIB's own block-device-efi hard-codes ext4).
const efiLayout = (root?: RootFsParams) => planShippedLayout('block-device-efi', root)

function errorOf(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as Error
  }
  throw new Error('expected a ConfigError')
}

describe('root filesystem parameters', () => {
  it('fill type and label of mkfs_root left unset by a GPT layout', () => {
    const plan = efiLayout({ rootFsType: 'xfs' })
    expect(getRootFsType(plan)).toBe('xfs')
    expect(getRootLabel(plan)).toBe('img-rootfs')
    const ext4 = efiLayout({ rootFsType: 'ext4', rootLabel: 'myroot' })
    expect(getRootFsType(ext4)).toBe('ext4')
    expect(getRootLabel(ext4)).toBe('myroot')
  })

  it('default the root label to cloudimg-rootfs, and an empty FS_TYPE to ext4', () => {
    const plan = efiLayout({ rootFsType: '', rootLabel: '' })
    expect(getRootFsType(plan)).toBe('ext4')
    expect(getRootLabel(plan)).toBe('cloudimg-rootfs')
  })

  it('never override what the config sets', () => {
    const plan = planFixture('deep_graph.yaml', {
      rootFsType: 'xfs',
      rootLabel: 'other',
      rootFsOpts: ['-i', 'size=512'],
    })
    const fs = plan.byName.get('mkfs_root')
    expect(fs).toMatchObject({
      kind: 'mkfs',
      type: 'ext4',
      label: 'other',
      opts: ['-i', 'size=512'],
    })
    const withOpts = planText(
      '- local_loop: {name: image0, mkfs: {name: mkfs_root, type: ext3, label: r, opts: "-O ^has_journal"}}',
      { rootFsType: 'xfs', rootLabel: 'x', rootFsOpts: ['-m', '0'] },
    )
    expect(withOpts.byName.get('mkfs_root')).toMatchObject({
      type: 'ext3',
      label: 'r',
      opts: ['-O', '^has_journal'],
    })
  })

  it('apply only to mkfs_root: other mkfs nodes need a type', () => {
    const error = errorOf(() =>
      planText('- local_loop:\n    name: image0\n    mkfs:\n      name: fs\n'),
    )
    expect(error.message).toMatch(
      /^test\.yaml:4:7: \[0\]\.local_loop\.mkfs: Cannot read mkfs "fs": key "type" is required/,
    )
  })

  it('reject a root label too long for the root type, saying where it came from', () => {
    const error = errorOf(() => efiLayout({ rootFsType: 'xfs', rootLabel: 'cloudimg-rootfs' }))
    expect(error.message).toMatch(
      /label "cloudimg-rootfs" \(from --root-label or ROOT_LABEL\) for xfs filesystem "mkfs_root"/,
    )
  })

  it('call a default root label that does not fit the type the default, not the node name', () => {
    const error = errorOf(() =>
      planText(
        '- local_loop: {name: image0, mkfs: {name: mkfs_root, type: vfat, mount: {mount_point: /boot}}}',
      ),
    )
    expect(error.message).toMatch(
      /label "CLOUDIMG-ROOTFS" \(the default root label\) for vfat filesystem "mkfs_root"/,
    )
  })

  it.each(['vfat', 'fat', 'exfat', 'ntfs'])(
    'refuse FS_TYPE=%s for the root, naming the setting',
    (type) => {
      const error = errorOf(() => planBlockDevice(readFallbackConfig(), { rootFsType: type }))
      expect(error.message).toBe(
        `Cannot use FS_TYPE "${type}" for the root filesystem: it cannot hold symlinks, owners or permissions, which a Linux root needs; use ext4, xfs or btrfs`,
      )
      expect(error).toMatchObject({
        hint: 'Set FS_TYPE to ext4, xfs or btrfs, or leave it unset for ext4',
      })
    },
  )
})

describe('fallback config', () => {
  it('is one image0 with mkfs_root mounted at / and an fstab entry', () => {
    const plan = planBlockDevice(readFallbackConfig(), { rootFsType: 'btrfs' })
    expect(plan.order.map((node) => `${node.kind}:${node.name}`)).toEqual([
      'local_loop:image0',
      'mkfs:mkfs_root',
      'mount:mount_mkfs_root',
      'fstab:fstab_mount_mkfs_root',
    ])
    expect(plan.byName.get('mkfs_root')).toMatchObject({
      base: 'image0',
      type: 'btrfs',
      label: 'cloudimg-rootfs',
    })
    expect(plan.byName.get('fstab_mount_mkfs_root')).toMatchObject({
      options: 'defaults',
      fsckPassno: 1,
      dumpFreq: 0,
    })
    expect(getMountPoints(plan)).toEqual(['/'])
  })
})

describe('getvals', () => {
  it('answer boot-label and mount-points in mount order', () => {
    const plan = planFixture('lvm_tree_partition_ordering.yaml')
    expect(getBootLabel(plan)).toBe('mkfs_boot')
    expect(getRootLabel(plan)).toBe('img-rootfs')
    expect(getMountPoints(plan)).toEqual(['/', '/boot', '/var'])
    expect(getBootLabel(planFixture('deep_graph.yaml'))).toBe('')
  })

  it('upper-case vfat labels', () => {
    const plan = efiLayout()
    expect(plan.byName.get('mkfs_ESP')).toMatchObject({ type: 'vfat', label: 'MKFS_ESP' })
  })
})

describe('ordering', () => {
  it('mounts parents first whatever the config order, swap last', () => {
    const plan = planFixture('lvm_tree_partition_ordering.yaml')
    const mounts = plan.order.filter((node) => node.kind === 'mount').map((node) => node.name)
    expect(mounts).toEqual([
      'mount_mkfs_root',
      'mount_mkfs_boot',
      'mount_mkfs_var',
      'mount_mkfs_swap',
    ])
  })

  it('is the same for the same config every time', () => {
    const names = (): string[] =>
      planFixture('lvm_tree_thin_provision.yaml').order.map((node) => node.name)
    const first = names()
    expect(first[0]).toBe('image0')
    for (let i = 0; i < 5; i += 1) expect(names()).toEqual(first)
  })

  it('puts the LVM driver after every PV base and before the PVs', () => {
    const order = planFixture('lvm_tree_spanned_vg.yaml').order.map((node) => node.name)
    const at = (name: string): number => order.indexOf(name)
    for (const partition of ['root', 'data1', 'data2'])
      expect(at(partition)).toBeLessThan(at('lvm'))
    for (const pv of ['pv_root', 'pv_data1', 'pv_data2']) expect(at('lvm')).toBeLessThan(at(pv))
  })
})

describe('config rules', () => {
  it.each([
    [
      'a string where a list is expected',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: {name: x}}',
      /^test\.yaml:2:56: \[1\]\.partitioning\.partitions: Cannot read partitioning: "partitions" must be a non-empty list/,
    ],
    [
      'a bad size',
      '- local_loop:\n    name: image0\n    size: 12Q\n',
      /^test\.yaml:3:11: \[0\]\.local_loop\.size: Cannot parse size "12Q": unknown unit "Q"/,
    ],
    [
      'a bad partition table label',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: dos, partitions: [{name: a, size: 1MiB}]}',
      /label "dos": use "mbr" or "gpt"/,
    ],
    [
      'the primary flag on GPT',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: gpt, partitions: [{name: a, size: 1MiB, flags: [primary]}]}',
      /^test\.yaml:2:86: \[1\]\.partitioning\.partitions\[0\]\.flags: Cannot use flag "primary" on partition "a": GPT/,
    ],
    [
      'an unknown flag',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: [{name: a, size: 1MiB, flags: [active]}]}',
      /flag "active"/,
    ],
    [
      'a duplicate mount point',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: [{name: a, size: 50%, mkfs: {type: ext4, mount: {mount_point: /}}}, {name: b, size: 100%, mkfs: {type: ext4, mount: {mount_point: /}}}]}',
      /Duplicate mount point "\/": mount "mount_mkfs_a" uses it already/,
    ],
    [
      'a swap with a mount point',
      '- local_loop: {name: image0, mkfs: {type: swap, mount: {mount_point: /swap}}}',
      /mount_point "\/swap".*use mount_point "none"/,
    ],
    [
      'a vfat root',
      '- local_loop: {name: image0, mkfs: {type: vfat, mount: {mount_point: /}}}',
      /^test\.yaml:1:\d+: .*mount_point: Cannot use vfat filesystem "mkfs_image0" as the root: it cannot hold symlinks, owners or permissions/,
    ],
    [
      'a relative mount point',
      '- local_loop: {name: image0, mkfs: {type: ext4, mount: {mount_point: boot}}}',
      /mount_point "boot".*absolute path/,
    ],
    [
      'two filesystems on one device',
      '- local_loop: {name: image0}\n- mkfs: {name: a, base: image0, type: ext4}\n- mkfs: {name: b, base: image0, type: ext4}',
      /^test\.yaml:3:25: \[2\]\.mkfs\.base: Cannot use "image0" as base of mkfs "b": mkfs "a" uses it already/,
    ],
    [
      'a mount on a device instead of a filesystem',
      '- local_loop: {name: image0}\n- mount: {name: m, base: image0, mount_point: /}',
      /Cannot use local_loop "image0" as base of mount "m": it must be a mkfs node/,
    ],
    [
      'partitions on a partition',
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: gpt, partitions: [{name: a, size: 100%}]}\n- partitioning: {base: a, label: gpt, partitions: [{name: b, size: 100%}]}',
      /Cannot use partition "a" as base of partitioning/,
    ],
    [
      'a partition base other than its table',
      '- local_loop: {name: image0}\n- local_loop: {name: image1}\n- partitioning: {base: image0, label: gpt, partitions: [{name: a, base: image1, size: 100%}]}',
      /partitions live on their table's base "image0"/,
    ],
    [
      'a thin volume whose pool is not a pool',
      '- local_loop: {name: image0}\n- lvm: {name: l, pvs: [{name: pv, base: image0}], vgs: [{name: vg, base: [pv]}], lvs: [{name: a, base: vg, size: 1G}, {name: t, base: vg, type: thin, thin-pool: a, size: 1G}]}',
      /thin pool "a" for logical volume "t"/,
    ],
    [
      'an LV with both size and extents',
      '- local_loop: {name: image0}\n- lvm: {name: l, pvs: [{name: pv, base: image0}], vgs: [{name: vg, base: [pv]}], lvs: [{name: a, base: vg, size: 1G, extents: 10%VG}]}',
      /exactly one of "size" or "extents"/,
    ],
    [
      'a block size losetup does not take',
      '- local_loop: {name: image0, block_size: 3000}',
      /block_size 3000/,
    ],
    ['an empty config', '[]', /expected a non-empty list/],
    [
      'YAML syntax errors',
      '- local_loop: {name: [\n',
      /^test\.yaml:\d+:\d+: Cannot parse block-device config/,
    ],
    ['a non-map entry', '- local_loop', /single plugin key/],
    [
      'a label too long for vfat once upper-cased',
      '- local_loop: {name: image0, mkfs: {type: vfat, label: twelve_chars}}',
      /label "TWELVE_CHARS" for vfat filesystem "mkfs_image0": it is 12 characters long, and vfat labels are at most 11/,
    ],
  ])('refuse %s', (_what, text, message) => {
    expect(errorOf(() => planText(text)).message).toMatch(message)
  })

  it('warn about unknown keys with a suggestion', () => {
    const plan = planFixture('lvm_tree_multiple_partitions.yaml')
    expect(plan.warnings).toHaveLength(1)
    expect(plan.warnings[0]).toMatch(
      /^lvm_tree_multiple_partitions\.yaml:64:13: Ignoring unknown key "fck-passno" of fstab \(did you mean "fsck-passno"\?\)$/,
    )
  })

  it('suggest the nearest known key, not the first one close enough', () => {
    const plan = planText(
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: [{name: a, size: 1MiB, tipe: 83}]}',
    )
    expect(plan.warnings).toEqual([
      'test.yaml:2:79: Ignoring unknown key "tipe" of partition "a" (did you mean "type"?)',
    ])
  })

  it('read unquoted hex and decimal partition types as the hex the user meant', () => {
    const plan = planText(
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: [{name: a, size: 1MiB, type: 0x0c, flags: [primary]}, {name: b, size: 1MiB, type: 83}]}',
    )
    expect(plan.byName.get('a')).toMatchObject({ type: '0xc', primary: true })
    expect(plan.byName.get('b')).toMatchObject({ type: '83', primary: false })
  })
})
