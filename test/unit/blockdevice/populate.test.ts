import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  occupiedMountPoints,
  otherMountPoints,
  planRootPopulation,
} from '../../../src/blockdevice/assemble/populate.ts'
import { buildMkfsArgv } from '../../../src/blockdevice/run/mkfs-argv.ts'
import { planNodeSteps } from '../../../src/blockdevice/run/steps.ts'
import { layoutDisks } from '../../../src/blockdevice/layout/disk-layout.ts'
import { UNIT_PARAMS, planShippedLayout, planText } from './fixture-config.ts'

const EFI_LAYOUT = `
- local_loop: {name: image0}
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 8MiB
        mkfs: {name: mkfs_efi, type: vfat, mount: {mount_point: /boot/efi}}
      - name: root
        type: '8300'
        size: 100%
        mkfs: {name: mkfs_root, type: ext4, mount: {mount_point: /}}
`

describe('buildMkfsArgv() populateFrom', () => {
  it('fills an ext filesystem from the tree (mke2fs -d), before the quiet flag and the device', () => {
    expect(
      buildMkfsArgv({
        type: 'ext4',
        device: '/dev/x',
        label: 'root',
        opts: ['-i', '4096'],
        populateFrom: '/build/built',
      }),
    ).toEqual(['mkfs.ext4', '-i', '4096', '-L', 'root', '-d', '/build/built', '-q', '/dev/x'])
  })

  it('is ignored by filesystems mkfs cannot fill from a directory', () => {
    expect(
      buildMkfsArgv({
        type: 'xfs',
        device: '/dev/x',
        label: 'root',
        opts: [],
        populateFrom: '/t',
      }),
    ).not.toContain('-d')
  })
})

describe('planRootPopulation()', () => {
  it('fills the ext4 root of the default MBR layout', () => {
    const plan = planShippedLayout('block-device-mbr')
    expect(otherMountPoints(plan)).toEqual([])
    expect(planRootPopulation(plan, '/t', [])).toEqual({ filesystem: 'mkfs_root', from: '/t' })
  })

  it('fills the root of the EFI layout only while the tree has nothing under /boot/efi', () => {
    const plan = planText(EFI_LAYOUT)
    expect(otherMountPoints(plan)).toEqual(['/boot/efi'])
    expect(planRootPopulation(plan, '/t', [])?.filesystem).toBe('mkfs_root')
    expect(planRootPopulation(plan, '/t', ['/boot/efi'])).toBeUndefined()
  })

  it('copies as before when the root is not ext2/3/4', () => {
    const plan = planShippedLayout('block-device-mbr', { rootFsType: 'xfs' })
    expect(planRootPopulation(plan, '/t', [])).toBeUndefined()
  })

  it('passes the tree to the mkfs step of the root filesystem only', () => {
    const plan = planText(EFI_LAYOUT)
    const layout = layoutDisks(plan, UNIT_PARAMS)
    const devices = new Map([
      ['image0', '/dev/loop9'],
      ['ESP', '/dev/loop9p1'],
      ['root', '/dev/loop9p2'],
    ])
    const argvOf = (name: string): readonly string[] => {
      const node = plan.byName.get(name)
      if (node === undefined) throw new Error(name)
      const [step] = planNodeSteps(node, {
        plan,
        layout,
        mountBase: '/m',
        devices,
        populate: { filesystem: 'mkfs_root', from: '/t' },
      }).steps
      return step?.kind === 'run' ? step.argv : []
    }
    expect(argvOf('mkfs_root')).toContain('-d')
    expect(argvOf('mkfs_efi')).not.toContain('-d')
  })
})

describe('occupiedMountPoints()', () => {
  let tree: string
  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'populate-'))
    await mkdir(join(tree, 'boot/efi'), { recursive: true })
    await mkdir(join(tree, 'srv/data'), { recursive: true })
    await writeFile(join(tree, 'srv/data/file'), 'x')
    await symlink('/elsewhere', join(tree, 'opt'))
  })
  afterAll(() => rm(tree, { recursive: true, force: true }))

  it('names the mount points under which the tree holds something', async () => {
    expect(await occupiedMountPoints(tree, ['/boot/efi', '/srv/data', '/home', '/opt'])).toEqual([
      '/srv/data',
      '/opt',
    ])
  })
})
