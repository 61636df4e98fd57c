// createBlockDevices() on real loop devices (needs root): build small sparse images, write into
// the mounted root, release, and prove nothing of ours is left attached or mounted.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigSource } from '../../src/blockdevice/config/config-source.ts'
import { createBlockDevices } from '../../src/blockdevice/run/create.ts'
import type { BlockDevices } from '../../src/blockdevice/run/created-devices.ts'
import { nodeDeviceHost } from '../../src/blockdevice/run/device-host.ts'
import { readFallbackConfig } from '../../src/blockdevice/config/fallback-config.ts'
import { HeldResources } from '../../src/blockdevice/run/held-resources.ts'
import type { BlockDeviceParams } from '../../src/blockdevice/layout/params.ts'
import { planBlockDevice } from '../../src/blockdevice/config/plan.ts'
import { BlockDeviceError } from '../../src/errors.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import type { JournalEntry, ResourceJournal } from '../../src/host/journal.ts'
import { RecordingReporter, silentReporter } from '../../src/report/events.ts'
import { partitionedLayout } from '../helpers/block-device-yaml.ts'

const isRoot = process.getuid?.() === 0
// Some kernels (this project's CI VMs among them) have no vfat driver: mkfs.vfat works, mount
// does not, so the ESP is mounted through FUSE (fusefat) there.
const canMountVfat = (await readFile('/proc/filesystems', 'utf8')).includes('vfat')
const runner = new ProcessRunner({ reporter: silentReporter })
const MIB = 1024 ** 2
const FIXTURES = new URL('../fixtures/block-device/', import.meta.url)

// python3 (a test package) sets and reads an extended attribute: no attr package needed
const XATTR_SET = "import os,sys; os.setxattr(sys.argv[1], 'user.mark', b'kept')"
const XATTR_GET = "import os,sys; print(os.getxattr(sys.argv[1], 'user.mark').decode(), end='')"

const MBR_LAYOUT = partitionedLayout('mbr', [
  {
    name: 'root',
    flags: ['boot', 'primary'],
    size: '100%',
    mkfs: {},
    mountPoint: '/',
    fstab: { options: 'defaults', 'fsck-passno': 1 },
  },
])

class ListJournal implements ResourceJournal {
  readonly entries: JournalEntry[] = []
  async record(entry: JournalEntry): Promise<void> {
    this.entries.push(entry)
  }
  async forget(entry: JournalEntry): Promise<void> {
    const index = this.entries.findIndex((e) => JSON.stringify(e) === JSON.stringify(entry))
    if (index >= 0) this.entries.splice(index, 1)
  }
}

let dir = ''
let params: BlockDeviceParams
let journal: ListJournal
let held: BlockDevices | undefined

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-bd-'))
  params = {
    imageDir: join(dir, 'img'),
    imageSizeBytes: 64 * MIB,
    mountBase: join(dir, 'mnt'),
    rootFsType: 'ext4',
    uuidSeed: 'it',
  }
  journal = new ListJournal()
  held = undefined
})

afterEach(async () => {
  // a failed assertion must not leak a loop device or a mount
  try {
    await held?.[Symbol.asyncDispose]()
  } catch {
    // the test has failed already; what matters now is what is left behind
  }
  await expectNothingLeft()
  await rm(dir, { recursive: true, force: true })
})

async function expectNothingLeft(): Promise<void> {
  const mounts = await runner.run({ argv: ['findmnt', '-rn', '-o', 'TARGET'] }, { quiet: true })
  expect(mounts.stdout.split('\n').filter((target) => target.startsWith(dir))).toEqual([])
  const loops = await runner.run(
    { argv: ['losetup', '--list', '--noheadings', '-O', 'NAME,BACK-FILE'] },
    { quiet: true },
  )
  expect(loops.stdout.split('\n').filter((line) => line.includes(dir))).toEqual([])
  expect(journal.entries).toEqual([])
}

function plan(text: string, file: string, rootFsType = 'ext4') {
  return planBlockDevice(new ConfigSource(file, text), { rootFsType })
}

// The efi layout as elements should ship it: mkfs_root takes FS_TYPE and ROOT_LABEL.
function efiLayout(mountEsp: boolean): string {
  const espMount = mountEsp
    ? '\n          mount:\n            mount_point: /boot/efi\n            fstab:\n              fsck-passno: 2'
    : ''
  return `
- local_loop:
    name: image0
- partitioning:
    base: image0
    label: gpt
    partitions:
      - name: ESP
        type: 'EF00'
        size: 16MiB
        mkfs:
          type: vfat${espMount}
      - name: BSP
        type: 'EF02'
        size: 8MiB
      - name: root
        type: '8300'
        size: 100%
        mkfs:
          mount:
            mount_point: /
            fstab:
              fsck-passno: 1
`
}

/** A file's content read straight from the image file (debugfs needs no mount). */
async function debugfsCat(image: string, offsetBytes: number, path: string): Promise<string> {
  const result = await runner.run(
    { argv: ['debugfs', '-R', `cat ${path}`, `${image}?offset=${offsetBytes}`] },
    { quiet: true },
  )
  return result.stdout.trimEnd()
}

async function partitionStart(image: string, number: number): Promise<number> {
  const result = await runner.run(
    { argv: ['partx', '--raw', '--noheadings', '-o', 'NR,START', image] },
    { quiet: true },
  )
  const row = result.stdout.split('\n').find((line) => line.startsWith(`${number} `))
  return Number(row?.split(' ')[1]) * 512
}

describe.skipIf(!isRoot)('createBlockDevices() on loop devices', () => {
  it('builds an MBR image with one ext4 root, mounted and writable', async () => {
    const reporter = new RecordingReporter()
    const devices = await createBlockDevices(plan(MBR_LAYOUT, 'mbr.yaml'), params, {
      runner,
      reporter,
      journal,
    })
    held = devices
    expect(devices.imagePath).toBe(join(dir, 'img', 'image0.raw'))
    expect(devices.imageBlockDevice).toMatch(/^\/dev\/loop\d+$/)
    expect(devices.devices['root']).toBe(`${devices.imageBlockDevice}p1`)
    expect(journal.entries).toHaveLength(2)
    await writeFile(join(devices.rootMountPath, 'hello.txt'), 'hello from imagewright\n')
    const blkid = await runner.run(
      { argv: ['blkid', '-o', 'export', `${devices.imageBlockDevice}p1`] },
      { quiet: true },
    )
    expect(blkid.stdout).toContain('LABEL=cloudimg-rootfs')
    expect(blkid.stdout).toContain(`UUID=${devices.filesystems['mkfs_root']?.uuid}`)
    expect(blkid.stdout).toContain('TYPE=ext4')
    expect(devices.fstab).toBe('LABEL=cloudimg-rootfs / ext4 defaults 0 1\n')

    await devices[Symbol.asyncDispose]()
    await devices[Symbol.asyncDispose]()
    await expectNothingLeft()
    expect((await stat(devices.imagePath)).size).toBe(64 * MIB)
    expect(
      await debugfsCat(devices.imagePath, await partitionStart(devices.imagePath, 1), '/hello.txt'),
    ).toBe('hello from imagewright')
    const kinds = reporter.events
      .map((e) => e.event)
      .filter((e) => e.kind === 'resource')
      .map((e) => e.action)
    expect(kinds).toEqual(['acquire', 'acquire', 'release', 'release'])
  })

  it('fills the ext4 root from a tree as mkfs makes it (-d): what cp -a would copy, and nothing to copy', async () => {
    const tree = join(dir, 'tree')
    await mkdir(join(tree, 'etc/sub'), { recursive: true })
    await writeFile(join(tree, 'etc/hosts'), '127.0.0.1 localhost\n', { mode: 0o640 })
    const setup = [
      ['ln', join(tree, 'etc/hosts'), join(tree, 'etc/hosts-link')],
      ['ln', '-s', 'hosts', join(tree, 'etc/hosts-sym')],
      ['chown', '123:456', join(tree, 'etc/hosts')],
      ['chmod', '4755', join(tree, 'etc/sub')],
      ['mknod', join(tree, 'etc/null'), 'c', '1', '3'],
      ['python3', '-c', XATTR_SET, join(tree, 'etc/hosts')],
      ['truncate', '-s', '8M', join(tree, 'etc/sparse')],
    ] as const
    for (const argv of setup) await runner.run({ argv }, { quiet: true })
    const listing = async (root: string): Promise<string[]> =>
      (
        await runner.run(
          {
            argv: [
              'find',
              root,
              '-path',
              `${root}/lost+found`,
              '-prune',
              '-o',
              // a directory's size is its filesystem's business
              '-type',
              'd',
              '-printf',
              '%P %m %U:%G %n %y\\n',
              '-o',
              '-printf',
              '%P %m %U:%G %s %n %y %l\\n',
            ],
          },
          { quiet: true },
        )
      ).stdout
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith(' '))
        .sort()
    const devices = await createBlockDevices(
      plan(MBR_LAYOUT, 'mbr.yaml'),
      { ...params, populate: { filesystem: 'mkfs_root', from: tree } },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    expect(await listing(devices.rootMountPath)).toEqual(await listing(tree))
    const xattr = await runner.run(
      { argv: ['python3', '-c', XATTR_GET, join(devices.rootMountPath, 'etc/hosts')] },
      { quiet: true },
    )
    expect(xattr.stdout).toBe('kept')
    const used = await runner.run(
      { argv: ['du', '-k', join(devices.rootMountPath, 'etc/sparse')] },
      { quiet: true },
    )
    expect(Number(used.stdout.split(/\s/)[0])).toBeLessThan(64)
    await devices[Symbol.asyncDispose]()
    await expectNothingLeft()
  })

  it('builds a GPT efi layout: vfat ESP, BIOS boot and a root of FS_TYPE', async () => {
    const layout = planBlockDevice(new ConfigSource('efi.yaml', efiLayout(true)), {
      rootFsType: 'ext3',
      rootLabel: 'efiroot',
    })
    const devices = await createBlockDevices(
      layout,
      { ...params, imageSizeBytes: 128 * MIB },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    const loop = devices.imageBlockDevice
    expect(devices.devices).toEqual({
      image0: loop,
      ESP: `${loop}p1`,
      BSP: `${loop}p2`,
      root: `${loop}p3`,
    })
    const mounted = devices.mountPoints.map((m) => [m.mountPoint, m.path])
    expect(mounted[0]).toEqual(['/', join(dir, 'mnt')])
    expect(mounted[1]).toEqual(['/boot/efi', join(dir, 'mnt', 'boot', 'efi')])
    await writeFile(join(devices.rootMountPath, 'boot', 'efi', 'startup.nsh'), 'echo hi\n')
    await writeFile(join(devices.rootMountPath, 'etc-fstab'), devices.fstab)
    const esp = await runner.run({ argv: ['blkid', '-o', 'export', `${loop}p1`] }, { quiet: true })
    expect(esp.stdout).toContain('TYPE=vfat')
    expect(esp.stdout).toContain('LABEL=MKFS_ESP')
    expect(esp.stdout).toContain(`UUID=${devices.filesystems['mkfs_ESP']?.uuid}`)
    const root = await runner.run({ argv: ['blkid', '-o', 'export', `${loop}p3`] }, { quiet: true })
    expect(root.stdout).toContain('TYPE=ext3')
    expect(root.stdout).toContain('LABEL=efiroot')
    const printed = await runner.run({ argv: ['sgdisk', '-p', loop] }, { quiet: true })
    expect(printed.stdout).toMatch(/1\s+2048\s+34815\s+16\.0 MiB\s+EF00\s+ESP/)
    expect(printed.stdout).toMatch(/2\s+34816\s+51199\s+8\.0 MiB\s+EF02\s+BSP/)
    expect(printed.stdout).toMatch(/3\s+51200\s+\d+\s+[\d.]+ MiB\s+8300\s+root/)

    await devices[Symbol.asyncDispose]()
    await expectNothingLeft()
    expect(
      await debugfsCat(devices.imagePath, await partitionStart(devices.imagePath, 3), '/etc-fstab'),
    ).toBe(devices.fstab.trimEnd())
    // the file written through the ESP mount is in a consistent FAT filesystem
    const espFile = join(dir, 'esp.img')
    const espBytes = (await readFile(devices.imagePath)).subarray(
      await partitionStart(devices.imagePath, 1),
      await partitionStart(devices.imagePath, 2),
    )
    await writeFile(espFile, espBytes)
    const check = await runner.run({ argv: ['fsck.vfat', '-n', '-l', espFile] }, { quiet: true })
    expect(check.stdout).toContain('Checking file /startup.nsh')
    expect(espBytes.includes('echo hi\n')).toBe(true)
  })

  it.each(['mbr', 'gpt'])(
    'builds %s tables on a loop device with 4096-byte sectors',
    async (label) => {
      const text = label === 'mbr' ? MBR_LAYOUT : efiLayout(false)
      const devices = await createBlockDevices(
        plan(text, `${label}-4k.yaml`),
        { ...params, imageSizeBytes: 128 * MIB, blockSize: 4096 },
        { runner, reporter: silentReporter, journal },
      )
      held = devices
      const loop = devices.imageBlockDevice
      const sectors = await runner.run({ argv: ['blockdev', '--getss', loop] }, { quiet: true })
      expect(sectors.stdout.trim()).toBe('4096')
      const parts = await runner.run(
        { argv: ['partx', '--raw', '--noheadings', '-o', 'NR,START,SECTORS', loop] },
        { quiet: true },
      )
      // partx counts in 512-byte units whatever the sector size: 2048 is LBA 256 here, 1 MiB in
      expect(parts.stdout.split('\n')[0]).toBe(label === 'mbr' ? '1 2048 260096' : '1 2048 32768')
      await writeFile(join(devices.rootMountPath, 'ok'), 'ok')
      await devices[Symbol.asyncDispose]()
    },
  )

  it('builds block-device-efi-4k as shipped: 4Kn GPT, a 500 MiB ESP mounted and writable', async () => {
    const shipped = new URL(
      '../../elements/block-device-efi-4k/block-device-default.yaml',
      import.meta.url,
    )
    const devices = await createBlockDevices(
      plan(await readFile(shipped, 'utf8'), 'block-device-efi-4k'),
      { ...params, imageSizeBytes: 700 * MIB },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    const loop = devices.imageBlockDevice
    const sectors = await runner.run({ argv: ['blockdev', '--getss', loop] }, { quiet: true })
    expect(sectors.stdout.trim()).toBe('4096')
    // the GPT header is the second 4 KiB sector: where a 4Kn disk's firmware looks for it
    const head = (await readFile(devices.imagePath)).subarray(0, 8192)
    expect(head.subarray(4096, 4104).toString('latin1')).toBe('EFI PART')
    expect(head.subarray(512, 520).toString('latin1')).not.toBe('EFI PART')
    const esp = join(dir, 'mnt', 'boot', 'efi')
    const shown = await runner.run(
      { argv: ['findmnt', '-rn', '-o', 'SOURCE,FSTYPE', esp] },
      { quiet: true },
    )
    expect(shown.stdout.trim()).toBe(`${loop}p1 ${canMountVfat ? 'vfat' : 'fuseblk'}`)
    const size = await runner.run(
      { argv: ['blockdev', '--getsize64', `${loop}p1`] },
      { quiet: true },
    )
    expect(Number(size.stdout)).toBe(500 * MIB)
    await writeFile(join(esp, 'startup.nsh'), 'echo 4k\n')
    await devices[Symbol.asyncDispose]()
    await expectNothingLeft()
  })

  it('refuses a mount whose command exits 0 but mounts nothing, and holds nothing after', async () => {
    const resources = new HeldResources(
      { runner, reporter: silentReporter, journal },
      nodeDeviceHost,
    )
    const path = join(dir, 'not-mounted')
    await mkdir(path)
    const mounting = resources.mount(
      { mountPoint: '/boot/efi', path, device: '/dev/loop-none', fstype: 'vfat' },
      ['sh', '-c', 'echo "fuse: mount failed: Invalid argument" >&2'],
      ['mountpoint', '-q', path],
    )
    await expect(mounting).rejects.toThrow(BlockDeviceError)
    await expect(mounting).rejects.toThrow(
      `Cannot mount /dev/loop-none at ${path}: "sh" exited 0 but nothing is mounted there (it said: fuse: mount failed: Invalid argument)`,
    )
    expect(resources.mounts).toEqual([])
  })

  it('detaches a loop device losetup attached before it failed, found by the file it backs', async () => {
    const resources = new HeldResources(
      { runner, reporter: silentReporter, journal },
      nodeDeviceHost,
    )
    const image = join(dir, 'attached-then-failed.raw')
    await nodeDeviceHost.createSparseFile(image, 8 * MIB)
    // As losetup killed between attaching and printing the name: attached, nothing said, status 1.
    const attaching = resources.attachLoop(image, [
      'sh',
      '-c',
      'losetup --find "$1" && exit 1',
      'losetup',
      image,
    ])
    await expect(attaching).rejects.toThrow()
    expect(resources.loops).toEqual([])
    // expectNothingLeft (afterEach) finds no loop device backed by a file of ours.
  })

  it.skipIf(canMountVfat)(
    'mounts the ESP of gpt_efi.yaml through fusefat when the kernel has no vfat, and releases it',
    async () => {
      const text = await readFile(new URL('gpt_efi.yaml', FIXTURES), 'utf8')
      const devices = await createBlockDevices(
        plan(text, 'gpt_efi.yaml'),
        { ...params, imageSizeBytes: 128 * MIB },
        { runner, reporter: silentReporter, journal },
      )
      held = devices
      const esp = join(dir, 'mnt', 'boot', 'efi')
      const shown = await runner.run(
        { argv: ['findmnt', '-rn', '-o', 'SOURCE,FSTYPE', esp] },
        { quiet: true },
      )
      expect(shown.stdout.trim()).toBe(`${devices.imageBlockDevice}p1 fuseblk`)
      expect(journal.entries).toContainEqual({ kind: 'mount', path: esp })
      await devices[Symbol.asyncDispose]()
      await expectNothingLeft()
      // umount of a fuseblk mount waits for fusefat, so no fusefat of ours is left running
      const fusefat = await runner.run(
        { argv: ['pgrep', '-af', 'fusefat'] },
        { allowFailure: true, quiet: true },
      )
      expect(fusefat.stdout.split('\n').filter((line) => line.includes(dir))).toEqual([])
    },
  )

  it('builds the fallback layout: one filesystem on the whole image', async () => {
    const fallback = planBlockDevice(readFallbackConfig(), { rootFsType: 'xfs' })
    const devices = await createBlockDevices(
      fallback,
      { ...params, imageSizeBytes: 320 * MIB },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    const blkid = await runner.run(
      { argv: ['blkid', '-o', 'export', devices.imageBlockDevice] },
      { quiet: true },
    )
    expect(blkid.stdout).toContain('TYPE=xfs')
    expect(blkid.stdout).toContain('LABEL=img-rootfs')
    await devices[Symbol.asyncDispose]()
  })

  it('builds a btrfs root with its label and UUID; the filesystem checks clean after release', async () => {
    const layout = planBlockDevice(readFallbackConfig(), {
      rootFsType: 'btrfs',
      rootLabel: 'btrfs-root',
    })
    const devices = await createBlockDevices(
      layout,
      { ...params, imageSizeBytes: 320 * MIB },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    const blkid = await runner.run(
      { argv: ['blkid', '-o', 'export', devices.imageBlockDevice] },
      { quiet: true },
    )
    expect(blkid.stdout).toContain('TYPE=btrfs')
    expect(blkid.stdout).toContain('LABEL=btrfs-root')
    expect(blkid.stdout).toContain(`UUID=${devices.filesystems['mkfs_root']?.uuid}`)
    expect(devices.fstab).toMatch(/^LABEL=btrfs-root \/ btrfs /m)
    await writeFile(join(devices.rootMountPath, 'written'), 'through the mount\n')
    await devices[Symbol.asyncDispose]()
    await expectNothingLeft()
    const check = await runner.run(
      { argv: ['btrfs', 'check', '--readonly', devices.imagePath] },
      { allowFailure: true, quiet: true },
    )
    expect(check.exitCode, check.stderr).toBe(0)
  })

  it('releases the loop device and removes the image when mkfs fails', async () => {
    const broken = MBR_LAYOUT.replace(
      '        mkfs:\n',
      '        mkfs:\n          type: nosuchfs\n',
    )
    const error = await createBlockDevices(plan(broken, 'broken.yaml'), params, {
      runner,
      reporter: silentReporter,
      journal,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BlockDeviceError)
    expect((error as BlockDeviceError).message).toMatch(
      /^Cannot create mkfs "mkfs_root": .*mkfs\.nosuchfs/,
    )
    expect((error as BlockDeviceError).hint).toBe(
      'Install the package that provides "mkfs.nosuchfs"',
    )
    await expectNothingLeft()
    await expect(stat(join(dir, 'img', 'image0.raw'))).rejects.toThrow(/ENOENT/)
  })

  it('releases mounts and the loop device when a later mount fails', async () => {
    const text = `${MBR_LAYOUT.replace('size: 100%', 'size: 50%')}      - name: data
        flags: [primary]
        size: 100%
        mkfs:
          type: ext4
          mount:
            mount_point: /srv/data
`
    // the /srv/data mount point cannot be made: /srv is a file in the new root
    const devices = createBlockDevices(plan(text, 'two.yaml'), params, {
      runner,
      reporter: silentReporter,
      journal: {
        record: async (entry) => {
          await journal.record(entry)
          if (entry.kind === 'mount' && entry.path === join(dir, 'mnt'))
            await writeFile(join(dir, 'mnt', 'srv'), 'in the way')
        },
        forget: (entry) => journal.forget(entry),
      },
    })
    const error = await devices.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BlockDeviceError)
    expect((error as Error).message).toMatch(/^Cannot create mount "mount_mkfs_data": /)
    await expectNothingLeft()
  })
})
