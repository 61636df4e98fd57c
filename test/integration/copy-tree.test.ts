// copyTreeIntoImage() on real loop devices (needs root): a tree with files below /boot/efi is
// copied onto an efi layout whose ESP may be a FUSE mount (kernels without vfat), where cp -a
// would fail on chmod and kill fusefat by setting the times of the mount's root.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigSource } from '../../src/blockdevice/config/config-source.ts'
import { createBlockDevices } from '../../src/blockdevice/run/create.ts'
import type { BlockDevices } from '../../src/blockdevice/run/created-devices.ts'
import { nodeDeviceHost } from '../../src/blockdevice/run/device-host.ts'
import { findFuseTypes, listFuseMountPoints } from '../../src/blockdevice/run/fuse-mount.ts'
import { planBlockDevice } from '../../src/blockdevice/config/plan.ts'
import { copyTreeIntoImage } from '../../src/blockdevice/assemble/copy-tree.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import type { JournalEntry, ResourceJournal } from '../../src/host/journal.ts'
import { silentReporter } from '../../src/report/events.ts'
import { partitionedLayout } from '../helpers/block-device-yaml.ts'

const isRoot = process.getuid?.() === 0
const runner = new ProcessRunner({ reporter: silentReporter })

const EFI_LAYOUT = partitionedLayout('gpt', [
  { name: 'ESP', type: 'EF00', size: '16MiB', mkfs: { type: 'vfat' }, mountPoint: '/boot/efi' },
  { name: 'root', type: '8300', size: '100%', mkfs: { type: 'ext4' }, mountPoint: '/' },
])

const journal: ResourceJournal & { entries: JournalEntry[] } = {
  entries: [],
  async record(entry) {
    this.entries.push(entry)
  },
  async forget(entry) {
    this.entries = this.entries.filter((e) => JSON.stringify(e) !== JSON.stringify(entry))
  },
}

let dir = ''
let held: BlockDevices | undefined

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-copy-tree-'))
  held = undefined
})

afterEach(async () => {
  try {
    await held?.[Symbol.asyncDispose]()
  } finally {
    const mounts = await runner.run({ argv: ['findmnt', '-rn', '-o', 'TARGET'] }, { quiet: true })
    expect(mounts.stdout.split('\n').filter((target) => target.startsWith(dir))).toEqual([])
    const loops = await runner.run({ argv: ['losetup', '-a'] }, { quiet: true })
    expect(loops.stdout.split('\n').filter((line) => line.includes(dir))).toEqual([])
    await rm(dir, { recursive: true, force: true })
  }
})

describe.skipIf(!isRoot)('copyTreeIntoImage()', () => {
  it('copies a tree with an ESP part onto the mounted layout and leaves the tree as it was', async () => {
    const tree = join(dir, 'built')
    await mkdir(join(tree, 'boot', 'efi', 'EFI', 'BOOT'), { recursive: true })
    await mkdir(join(tree, 'etc'), { recursive: true })
    await writeFile(join(tree, 'boot', 'efi', 'EFI', 'BOOT', 'BOOTX64.EFI'), 'loader')
    await writeFile(join(tree, 'boot', 'efi', 'startup.nsh'), 'echo hi\n')
    await writeFile(join(tree, 'etc', 'shadow'), 'root:*:1::::::\n')
    await chmod(join(tree, 'etc', 'shadow'), 0o640)

    const plan = planBlockDevice(new ConfigSource('efi.yaml', EFI_LAYOUT), { rootFsType: 'ext4' })
    const devices = await createBlockDevices(
      plan,
      {
        imageDir: join(dir, 'img'),
        imageSizeBytes: 96 * 1024 ** 2,
        mountBase: join(dir, 'mnt'),
        rootFsType: 'ext4',
        uuidSeed: 'copy',
      },
      { runner, reporter: silentReporter, journal },
    )
    held = devices
    const fusePoints = listFuseMountPoints(plan, await findFuseTypes(plan, nodeDeviceHost))
    await copyTreeIntoImage(runner, tree, devices.rootMountPath, fusePoints)

    const root = devices.rootMountPath
    expect(await readFile(join(root, 'boot', 'efi', 'EFI', 'BOOT', 'BOOTX64.EFI'), 'utf8')).toBe(
      'loader',
    )
    expect(await readFile(join(root, 'boot', 'efi', 'startup.nsh'), 'utf8')).toBe('echo hi\n')
    // metadata is kept where the filesystem can store it
    expect((await lstat(join(root, 'etc', 'shadow'))).mode & 0o777).toBe(0o640)
    // the tree is whole again, and nothing was left next to it
    expect(await readFile(join(tree, 'boot', 'efi', 'startup.nsh'), 'utf8')).toBe('echo hi\n')
    expect((await readdir(dir)).sort()).toEqual(['built', 'img', 'mnt'])

    await devices[Symbol.asyncDispose]()
    held = undefined
    expect(journal.entries).toEqual([])
  })
})
