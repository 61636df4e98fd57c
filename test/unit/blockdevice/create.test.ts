import { describe, expect, it } from 'vitest'
import { createBlockDevices } from '../../../src/blockdevice/run/create.ts'
import { planCommandsForDisplay } from '../../../src/blockdevice/run/display.ts'
import { BlockDeviceError, ConfigError } from '../../../src/errors.ts'
import { RecordingReporter } from '../../../src/report/events.ts'
import { FakeHostWorld } from './fake-host.ts'
import { UNIT_PARAMS, planFixture, planText } from './fixture-config.ts'

const PARAMS = UNIT_PARAMS

const EFI = planFixture('gpt_efi.yaml')

function deps(world: FakeHostWorld, reporter = new RecordingReporter()) {
  return { runner: world, reporter, journal: world, host: world }
}

describe('createBlockDevices()', () => {
  it('runs exactly the commands planCommandsForDisplay() shows, then releases in reverse', async () => {
    const world = new FakeHostWorld()
    const devices = await createBlockDevices(EFI, PARAMS, deps(world))
    const shown = planCommandsForDisplay(EFI, PARAMS, {
      loopDevices: { image0: '/dev/loop7' },
      teardown: true,
    })
    const createCount = world.commands.length
    expect(createCount).toBeGreaterThan(5)
    await devices[Symbol.asyncDispose]()
    expect(world.commands).toEqual(shown.filter((step) => step.argv).map((step) => step.argv))
    expect(world.commands.slice(createCount)).toEqual([
      ['sync'],
      ['umount', '/build/mnt/boot/efi'],
      ['fstrim', '--verbose', '/build/mnt'],
      ['umount', '/build/mnt'],
      ['losetup', '-d', '/dev/loop7'],
    ])
    expect(world.journal).toEqual([])
  })

  it('reports devices, filesystems, mounts and fstab', async () => {
    const world = new FakeHostWorld()
    await using devices = await createBlockDevices(EFI, PARAMS, deps(world))
    expect(devices.imagePath).toBe('/build/img/image0.raw')
    expect(devices.imageBlockDevice).toBe('/dev/loop7')
    expect(devices.devices).toEqual({
      image0: '/dev/loop7',
      ESP: '/dev/loop7p1',
      BSP: '/dev/loop7p2',
      'Root Part': '/dev/loop7p3',
    })
    expect(devices.filesystems['mkfs_ESP']).toMatchObject({
      device: '/dev/loop7p1',
      fstype: 'vfat',
      label: 'MKFS_ESP',
      mountPoint: '/boot/efi',
    })
    expect(devices.filesystems['mkfs_Root Part']?.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(devices.rootMountPath).toBe('/build/mnt')
    expect(devices.mountPoints.map((m) => m.mountPoint)).toEqual(['/', '/boot/efi'])
    expect(devices.fstab).toBe(
      'LABEL=mkfs_Root\\040Part / ext4 defaults 0 1\nLABEL=MKFS_ESP /boot/efi vfat defaults 0 1\n',
    )
    expect(world.journal).toEqual([
      { kind: 'loop', device: '/dev/loop7', file: '/build/img/image0.raw' },
      { kind: 'mount', path: '/build/mnt' },
      { kind: 'mount', path: '/build/mnt/boot/efi' },
    ])
  })

  it('is idempotent to release twice', async () => {
    const world = new FakeHostWorld()
    const devices = await createBlockDevices(planFixture('deep_graph.yaml'), PARAMS, deps(world))
    await devices.unmount()
    await devices[Symbol.asyncDispose]()
    const count = world.commands.length
    await devices[Symbol.asyncDispose]()
    await devices.detach()
    expect(world.commands.length).toBe(count)
    expect(world.commands.filter(([tool]) => tool === 'umount')).toHaveLength(1)
  })

  it('writes the MBR through the loop device before asking the kernel to read it', async () => {
    const world = new FakeHostWorld()
    await using _devices = await createBlockDevices(
      planFixture('deep_graph.yaml'),
      PARAMS,
      deps(world),
    )
    const at = (prefix: string): number => world.log.findIndex((line) => line.startsWith(prefix))
    expect(at('create /build/img/image0.raw 1073741824')).toBe(0)
    expect(at('run losetup --show --find --partscan /build/img/image0.raw')).toBe(1)
    expect(at('write /dev/loop7 1 sectors')).toBe(2)
    expect(at('run partx -u /dev/loop7')).toBe(3)
    expect(world.log[4]).toMatch(
      /^run mkfs\.ext4 -L cloudimg-rootfs -U [0-9a-f-]{36} -q \/dev\/loop7p1$/,
    )
  })

  it('releases everything in reverse and names the node when a step fails', async () => {
    const world = new FakeHostWorld()
    world.fail(([tool, device]) => tool === 'mount' && device === '/dev/loop7p1', {
      exitCode: 32,
      stderr: 'mount: wrong fs type',
    })
    const reporter = new RecordingReporter()
    const error = await createBlockDevices(EFI, PARAMS, deps(world, reporter)).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(BlockDeviceError)
    expect((error as Error).message).toBe(
      'Cannot create mount "mount_mkfs_ESP": Command failed with exit code 32: mount /dev/loop7p1 /build/mnt/boot/efi',
    )
    // "/" is mounted before /boot/efi, so it is unmounted, then the loop detached
    const tail = world.log.slice(
      world.log.indexOf('run mount /dev/loop7p1 /build/mnt/boot/efi') + 1,
    )
    expect(tail).toEqual([
      'run sync',
      'run fstrim --verbose /build/mnt',
      'run umount /build/mnt',
      'run losetup -d /dev/loop7',
      'remove /build/img/image0.raw',
    ])
    expect(world.journal).toEqual([])
    expect(reporter.events.filter((e) => e.event.kind === 'warning')).toEqual([])
  })

  it('suggests installing a tool that is missing', async () => {
    const world = new FakeHostWorld()
    world.fail(([tool]) => tool === 'mkfs.ext4', { exitCode: 127, stderr: 'not found' })
    const error = await createBlockDevices(
      planFixture('deep_graph.yaml'),
      PARAMS,
      deps(world),
    ).catch((caught: unknown) => caught)
    expect((error as BlockDeviceError).hint).toBe('Install the package that provides "mkfs.ext4"')
  })

  it('retries a busy umount and reports one that never frees', async () => {
    const world = new FakeHostWorld()
    let busy = 2
    world.rules.push({
      match: ([tool]) => tool === 'umount',
      respond: () => (busy-- > 0 ? { exitCode: 32, stderr: 'umount: target is busy.' } : {}),
    })
    const devices = await createBlockDevices(planFixture('deep_graph.yaml'), PARAMS, deps(world))
    await devices.unmount()
    expect(world.commands.filter(([tool]) => tool === 'umount')).toHaveLength(3)
    await devices.detach()

    const stuck = new FakeHostWorld()
    stuck.fail(([tool, arg]) => tool === 'umount' && arg !== '--lazy', {
      exitCode: 32,
      stderr: 'umount: /build/mnt: target is busy.',
    })
    const held = await createBlockDevices(planFixture('deep_graph.yaml'), PARAMS, deps(stuck))
    await expect(held[Symbol.asyncDispose]()).rejects.toThrow(
      /Cannot unmount "\/build\/mnt": umount: \/build\/mnt: target is busy/,
    )
    expect(stuck.commands.filter(([tool]) => tool === 'umount')).toHaveLength(9)
    expect(stuck.commands.at(-1)).toEqual(['losetup', '-d', '/dev/loop7'])
  })

  it('makes partition nodes with mknod when no device node appears', async () => {
    const world = new FakeHostWorld()
    world.rules.push({
      match: ([tool]) => tool === 'partx',
      respond: () => {
        world.paths.add('/sys/block/loop7/loop7p1')
        return {}
      },
    })
    const devices = await createBlockDevices(planFixture('deep_graph.yaml'), PARAMS, deps(world))
    expect(world.commands).toContainEqual(['mknod', '/dev/loop7p1', 'b', '259', '3'])
    await devices[Symbol.asyncDispose]()
    expect(world.log.at(-1)).toBe('remove /dev/loop7p1')
  })

  it('refuses LVM before any work when device-mapper is missing', async () => {
    const world = new FakeHostWorld()
    world.paths.delete('/dev/mapper/control')
    const plan = planFixture('lvm_graph.yaml')
    const params = { ...PARAMS, imageSizeBytes: 4 * 1024 ** 3 }
    await expect(createBlockDevices(plan, params, deps(world))).rejects.toThrow(
      /^Cannot build LVM volumes of lvm "lvm_mbr" \(lvm_graph\.yaml\): device-mapper is unavailable on this host: \/dev\/mapper\/control does not exist$/,
    )
    expect(world.log).toEqual([])

    const noDmsetup = new FakeHostWorld()
    noDmsetup.fail(([tool]) => tool === 'dmsetup', {
      exitCode: 1,
      stderr: 'Device mapper driver not loaded',
    })
    await expect(createBlockDevices(plan, params, deps(noDmsetup))).rejects.toThrow(
      /"dmsetup version" failed: Device mapper driver not loaded/,
    )
    expect(noDmsetup.commands).toEqual([['dmsetup', 'version']])
  })

  it('builds LVM where device-mapper exists, deactivating volume groups before detaching', async () => {
    const world = new FakeHostWorld()
    const plan = planFixture('lvm_tree_spanned_vg.yaml')
    const params = { ...PARAMS, imageSizeBytes: 6 * 1024 ** 3 }
    const devices = await createBlockDevices(plan, params, deps(world))
    expect(devices.devices['lv_data']).toBe('/dev/mapper/vg_data-lv_data')
    expect(world.commands).toContainEqual([
      'vgcreate',
      'vg_data',
      '/dev/loop7p2',
      '/dev/loop7p3',
      '--force',
    ])
    await devices[Symbol.asyncDispose]()
    expect(world.commands.slice(-3)).toEqual([
      ['vgchange', '-an', 'vg_data'],
      ['vgchange', '-an', 'vg_root'],
      ['losetup', '-d', '/dev/loop7'],
    ])
  })

  it('refuses configs it cannot build before touching the host', async () => {
    const world = new FakeHostWorld()
    const noRoot = planText(
      '- local_loop: {name: image0, mkfs: {type: ext4, mount: {mount_point: /srv}}}',
    )
    await expect(createBlockDevices(noRoot, PARAMS, deps(world))).rejects.toThrow(
      /no filesystem is mounted at "\/"/,
    )
    const tooBig = planText(
      '- local_loop: {name: image0}\n- partitioning: {base: image0, label: mbr, partitions: [{name: root, size: 2GiB, flags: [primary], mkfs: {type: ext4, mount: {mount_point: /}}}]}',
    )
    await expect(createBlockDevices(tooBig, PARAMS, deps(world))).rejects.toThrow(ConfigError)
    expect(world.log).toEqual([])
  })
})
