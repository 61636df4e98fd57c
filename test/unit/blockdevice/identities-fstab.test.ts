import { describe, expect, it } from 'vitest'
import { buildFstab } from '../../../src/blockdevice/layout/fstab.ts'
import {
  deriveUuid,
  formatUuidV4,
  resolveIdentities,
} from '../../../src/blockdevice/layout/identities.ts'
import { ConfigError } from '../../../src/errors.ts'
import { planFixture, planText } from './fixture-config.ts'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('deriveUuid()', () => {
  it('is a v4-style UUID that depends on seed and purpose only', () => {
    const a = deriveUuid('seed', 'filesystem:mkfs_root')
    expect(a).toMatch(UUID_V4)
    expect(deriveUuid('seed', 'filesystem:mkfs_root')).toBe(a)
    expect(deriveUuid('seed', 'filesystem:mkfs_var')).not.toBe(a)
    expect(deriveUuid('other', 'filesystem:mkfs_root')).not.toBe(a)
  })

  it('sets version and variant bits on any bytes', () => {
    expect(formatUuidV4(new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    expect(formatUuidV4(new Uint8Array(16))).toBe('00000000-0000-4000-8000-000000000000')
  })
})

describe('resolveIdentities()', () => {
  const efi = (): ReturnType<typeof planFixture> => planFixture('gpt_efi.yaml')

  it('derives everything from a seed, the same way every time', () => {
    const first = resolveIdentities(efi(), 'build-1')
    const again = resolveIdentities(efi(), 'build-1')
    expect(again).toEqual(first)
    expect(first.filesystems.get('mkfs_Root Part')).toMatch(UUID_V4)
    expect(first.filesystems.get('mkfs_ESP')).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/)
    expect(first.gptDiskGuids.get('partitioning_image0')).toMatch(UUID_V4)
    expect([...first.partitionGuids.keys()]).toEqual(['ESP', 'BSP', 'Root Part'])
    expect(resolveIdentities(efi(), 'build-2').filesystems.get('mkfs_ESP')).not.toBe(
      first.filesystems.get('mkfs_ESP'),
    )
  })

  it('is random without a seed and leaves GPT GUIDs to sgdisk', () => {
    const a = resolveIdentities(efi(), undefined)
    const b = resolveIdentities(efi(), undefined)
    expect(a.filesystems.get('mkfs_Root Part')).toMatch(UUID_V4)
    expect(a.filesystems.get('mkfs_Root Part')).not.toBe(b.filesystems.get('mkfs_Root Part'))
    expect(a.gptDiskGuids.size).toBe(0)
    expect(a.partitionGuids.size).toBe(0)
  })

  it('gives MBR tables a non-zero disk id', () => {
    const ids = resolveIdentities(planFixture('deep_graph.yaml'), 's')
    expect(ids.mbrDiskIds.get('mbr')).toBeGreaterThan(0)
    expect(resolveIdentities(planFixture('deep_graph.yaml'), 's').mbrDiskIds.get('mbr')).toBe(
      ids.mbrDiskIds.get('mbr'),
    )
  })

  it('keeps a UUID from the config and checks it', () => {
    const ok = planText(
      '- local_loop: {name: image0, mkfs: {type: xfs, uuid: 0F3D2C1B-AAAA-4BBB-8CCC-123456789ABC}}',
    )
    expect(resolveIdentities(ok, 'x').filesystems.get('mkfs_image0')).toBe(
      '0f3d2c1b-aaaa-4bbb-8ccc-123456789abc',
    )
    const vfat = planText('- local_loop: {name: image0, mkfs: {type: vfat, uuid: 1a2b3c4d}}')
    expect(resolveIdentities(vfat, undefined).filesystems.get('mkfs_image0')).toBe('1A2B-3C4D')
    // DIB's own fixture uses placeholders that no mkfs accepts
    expect(() =>
      resolveIdentities(planFixture('multiple_partitions_graph.yaml'), undefined),
    ).toThrow(ConfigError)
    expect(() =>
      resolveIdentities(planFixture('multiple_partitions_graph.yaml'), undefined),
    ).toThrow(
      /^multiple_partitions_graph\.yaml:27:11: \[2\]\.mkfs\.uuid: Cannot use uuid "root-uuid-1234" for xfs filesystem "mkfs_root": expected a UUID/,
    )
  })
})

describe('buildFstab()', () => {
  it('writes LABEL= lines in mount order with swap as none swap sw 0 0', () => {
    const plan = planFixture('lvm_tree_partition_ordering.yaml')
    expect(buildFstab(plan, resolveIdentities(plan, 's'))).toBe(
      [
        'LABEL=img-rootfs / ext4 noacl,errors=remount-ro 0 1',
        'LABEL=mkfs_boot /boot ext3 nodev,nosuid 0 2',
        'LABEL=mkfs_var /var ext4 noacl 0 2',
        'LABEL=mkfs_swap none swap sw 0 0',
        '',
      ].join('\n'),
    )
  })

  it('writes UUID= lines on request and escapes spaces in labels', () => {
    const plan = planFixture('gpt_efi.yaml')
    const ids = resolveIdentities(plan, 'seed')
    const byUuid = buildFstab(plan, ids, 'uuid').split('\n')
    expect(byUuid[0]).toBe(`UUID=${ids.filesystems.get('mkfs_Root Part')} / ext4 defaults 0 1`)
    expect(byUuid[1]).toBe(`UUID=${ids.filesystems.get('mkfs_ESP')} /boot/efi vfat defaults 0 1`)
    expect(buildFstab(plan, ids).split('\n')[0]).toBe(
      'LABEL=mkfs_Root\\040Part / ext4 defaults 0 1',
    )
  })

  it('leaves out mounts without an fstab node and honours dump-freq', () => {
    const plan = planText(
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: gpt, partitions: [{name: a, size: 50%, mkfs: {type: ext4, mount: {mount_point: /, fstab: {dump-freq: 1}}}}, {name: b, size: 100%, mkfs: {type: ext4, mount: {mount_point: /srv}}}]}',
    )
    expect(buildFstab(plan, resolveIdentities(plan, 's'))).toBe(
      'LABEL=mkfs_a / ext4 defaults 1 2\n',
    )
  })
})
