import { describe, expect, it } from 'vitest'
import { createBlockDevices } from '../../../src/blockdevice/run/create.ts'
import { planCommandsForDisplay } from '../../../src/blockdevice/run/display.ts'
import {
  buildMountArgv,
  chooseFuseTypes,
  kernelHasDriver,
  listFuseMountPoints,
  parseProcFilesystems,
  requireFuseTool,
  type KernelFilesystemFacts,
} from '../../../src/blockdevice/run/fuse-mount.ts'
import { HostRequirementError } from '../../../src/errors.ts'
import { RecordingReporter } from '../../../src/report/events.ts'
import { FakeHostWorld } from './fake-host.ts'
import { UNIT_PARAMS, planFixture, planShippedLayout } from './fixture-config.ts'
import { layoutDisks } from '../../../src/blockdevice/layout/disk-layout.ts'
import type { BlockDevicePlan } from '../../../src/blockdevice/config/plan.ts'
import { sectorSizeOf } from '../../../src/blockdevice/run/steps.ts'
import type { SectorSize } from '../../../src/util/sector-size.ts'

const NO_VFAT = 'nodev\tsysfs\nnodev\tproc\n\text4\n\txfs\n\tfuseblk\nnodev\tfuse\n'
const WITH_VFAT = `${NO_VFAT}\tvfat\n`

const facts = (over: Partial<KernelFilesystemFacts>): KernelFilesystemFacts => ({
  procFilesystems: NO_VFAT,
  modulesDep: undefined,
  modulesBuiltin: undefined,
  ...over,
})

const PARAMS = UNIT_PARAMS
const EFI = planFixture('gpt_efi.yaml')

/** A host whose kernel has no vfat driver and no modules. */
class NoVfatHost extends FakeHostWorld {
  override async readText(path: string): Promise<string | undefined> {
    if (path === '/proc/filesystems') return NO_VFAT
    if (path === '/proc/sys/kernel/osrelease') return '6.1.0-test\n'
    return super.readText(path)
  }
}

describe('parseProcFilesystems()', () => {
  it('reads names with and without the nodev column', () => {
    expect([...parseProcFilesystems(NO_VFAT)]).toEqual([
      'sysfs',
      'proc',
      'ext4',
      'xfs',
      'fuseblk',
      'fuse',
    ])
  })
})

describe('kernelHasDriver()', () => {
  it.each([
    ['registered', facts({ procFilesystems: WITH_VFAT }), true],
    ['missing, no modules', facts({}), false],
    [
      'a loadable module',
      facts({
        modulesDep: 'kernel/fs/fat/fat.ko: \nkernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko\n',
      }),
      true,
    ],
    ['a compressed module', facts({ modulesDep: 'kernel/fs/fat/vfat.ko.xz: fat.ko.xz\n' }), true],
    ['built in', facts({ modulesBuiltin: 'kernel/fs/fat/vfat.ko\n' }), true],
    ['only msdos', facts({ modulesDep: 'kernel/fs/fat/msdos.ko: fat.ko\n' }), false],
    ['unknown kernel', facts({ procFilesystems: undefined }), true],
  ])('vfat %s: %s', (_name, given, expected) => {
    expect(kernelHasDriver('vfat', given)).toBe(expected)
  })
})

describe('chooseFuseTypes()', () => {
  it('picks FAT types only, and only without a driver', () => {
    expect([...chooseFuseTypes(['ext4', 'vfat', 'fat', 'swap'], facts({}))]).toEqual([
      'vfat',
      'fat',
    ])
    expect([...chooseFuseTypes(['ext4', 'vfat'], facts({ procFilesystems: WITH_VFAT }))]).toEqual(
      [],
    )
  })
})

describe('buildMountArgv()', () => {
  it('gives fuseblk the sector size of a disk whose sectors are not 512 bytes', () => {
    expect(buildMountArgv('/dev/loop0p1', '/m/boot/efi', true, 4096)[2]).toBe(
      'rw+,blkdev,blksize=4096,fsname=/dev/loop0p1',
    )
    expect(buildMountArgv('/dev/loop0p1', '/m/boot/efi', false, 4096)).toEqual([
      'mount',
      '/dev/loop0p1',
      '/m/boot/efi',
    ])
  })

  it('mounts with the kernel, or with fusefat as a block-device FUSE mount named after the device', () => {
    expect(buildMountArgv('/dev/loop0p1', '/m/boot/efi', false)).toEqual([
      'mount',
      '/dev/loop0p1',
      '/m/boot/efi',
    ])
    expect(buildMountArgv('/dev/loop0p1', '/m/boot/efi', true)).toEqual([
      'fusefat',
      '-o',
      'rw+,blkdev,fsname=/dev/loop0p1',
      '/dev/loop0p1',
      '/m/boot/efi',
    ])
  })
})

describe('listFuseMountPoints()', () => {
  it('names the mount points of FUSE-mounted filesystems', () => {
    expect(listFuseMountPoints(EFI, new Set(['vfat']))).toEqual(['/boot/efi'])
    expect(listFuseMountPoints(EFI, new Set())).toEqual([])
  })
})

describe('requireFuseTool()', () => {
  it('refuses up front when fusefat is needed and missing, naming the mount point', async () => {
    const error = await requireFuseTool(EFI, new Set(['vfat']), async () => undefined).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(HostRequirementError)
    expect((error as Error).message).toBe(
      'Cannot mount the FAT filesystem at "/boot/efi" (gpt_efi.yaml): this kernel has no vfat driver and "fusefat" is not installed',
    )
    await expect(
      requireFuseTool(EFI, new Set(['vfat']), async () => '/usr/bin/fusefat'),
    ).resolves.toBeUndefined()
    await expect(requireFuseTool(EFI, new Set(), async () => undefined)).resolves.toBeUndefined()
  })
})

describe('createBlockDevices() on a kernel without vfat', () => {
  it('mounts the ESP with fusefat, journals it, skips fstrim and unmounts it with umount', async () => {
    const world = new NoVfatHost()
    const devices = await createBlockDevices(EFI, PARAMS, {
      runner: world,
      reporter: new RecordingReporter(),
      journal: world,
      host: world,
    })
    expect(world.commands).toContainEqual([
      'fusefat',
      '-o',
      'rw+,blkdev,fsname=/dev/loop7p1',
      '/dev/loop7p1',
      '/build/mnt/boot/efi',
    ])
    // fusefat's exit status says nothing about the mount: the mount table is asked right after
    const fusefat = world.commands.findIndex((argv) => argv[0] === 'fusefat')
    expect(world.commands[fusefat + 1]).toEqual(['mountpoint', '-q', '/build/mnt/boot/efi'])
    expect(world.journal).toContainEqual({ kind: 'mount', path: '/build/mnt/boot/efi' })
    const created = world.commands.length
    await devices[Symbol.asyncDispose]()
    expect(world.commands.slice(created)).toEqual([
      ['sync'],
      ['umount', '/build/mnt/boot/efi'],
      ['fstrim', '--verbose', '/build/mnt'],
      ['umount', '/build/mnt'],
      ['losetup', '-d', '/dev/loop7'],
    ])
    expect(world.journal).toEqual([])
  })

  it('shows the fusefat mount in the plan when told the types', () => {
    const mounts = planCommandsForDisplay(EFI, PARAMS, { fuseTypes: new Set(['vfat']) })
      .map((step) => step.argv?.[0])
      .filter((tool) => tool === 'mount' || tool === 'fusefat')
    expect(mounts).toEqual(['mount', 'fusefat'])
  })

  it('mounts a FAT filesystem of a 4Kn disk with a 4096-byte FUSE block size', () => {
    const fourK = planShippedLayout('block-device-efi-4k')
    const steps = planCommandsForDisplay(fourK, PARAMS, { fuseTypes: new Set(['vfat']) })
    const argvs = steps.flatMap((step) => (step.argv ? [step.argv] : []))
    expect(argvs).toContainEqual([
      'losetup',
      '--show',
      '--find',
      '--partscan',
      '--sector-size',
      '4096',
      '/build/img/image0.raw',
    ])
    expect(argvs).toContainEqual([
      'fusefat',
      '-o',
      'rw+,blkdev,blksize=4096,fsname=/dev/loop-image0p1',
      '/dev/loop-image0p1',
      '/build/mnt/boot/efi',
    ])
    expect(argvs).toContainEqual(['mountpoint', '-q', '/build/mnt/boot/efi'])
    // DIB_BLOCK_SIZE wins over the layout's block_size
    const forced = planCommandsForDisplay(
      fourK,
      { ...PARAMS, blockSize: 512 },
      { fuseTypes: new Set(['vfat']) },
    )
    expect(forced.flatMap((step) => (step.argv?.[0] === 'fusefat' ? [step.argv[2]] : []))).toEqual([
      'rw+,blkdev,fsname=/dev/loop-image0p1',
    ])
  })
})

describe('sectorSizeOf()', () => {
  // 100 GiB: room for every fixture's partitions; nothing is created
  const layoutOf = (plan: BlockDevicePlan, blockSize?: SectorSize) =>
    layoutDisks(plan, {
      ...PARAMS,
      imageSizeBytes: 100 * 1024 ** 3,
      ...(blockSize === undefined ? {} : { blockSize }),
    })

  it('follows partitions to their loop device', () => {
    expect(sectorSizeOf({ plan: EFI, layout: layoutOf(EFI) }, 'mkfs_ESP')).toBe(512)
    expect(sectorSizeOf({ plan: EFI, layout: layoutOf(EFI, 4096) }, 'ESP')).toBe(4096)
  })

  it('follows logical volumes through their volume group and physical volumes', () => {
    const lvm = planFixture('lvm_tree_spanned_vg.yaml')
    const fs = lvm.nodes.find((node) => node.kind === 'mkfs')
    expect(fs).toBeDefined()
    expect(sectorSizeOf({ plan: lvm, layout: layoutOf(lvm, 4096) }, fs?.name ?? '')).toBe(4096)
  })

  it('takes 512 for a name it cannot place', () => {
    expect(sectorSizeOf({ plan: EFI, layout: layoutOf(EFI, 4096) }, 'no-such-node')).toBe(512)
  })
})
