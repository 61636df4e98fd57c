// The disk half of the build, bound to this build's context: the plan read before the host is
// touched (blockdevice/assemble/disk-config.ts), the devices made, the settings hooks see
// exported, the tree copied in with progress events, and everything released at the end.
import { stat, statfs } from 'node:fs/promises'
import {
  getBootLabel,
  getMountPoints,
  getRootFsType,
  getRootLabel,
} from '../blockdevice/config/getval.ts'
import { IMAGE_NODE, createBlockDevices } from '../blockdevice/run/create.ts'
import { DEFAULT_SECTOR_SIZE, type SectorSize } from '../util/sector-size.ts'
import { nodeDeviceHost } from '../blockdevice/run/device-host.ts'
import { findFuseTypes, listFuseMountPoints } from '../blockdevice/run/fuse-mount.ts'
import type { RootFsParams } from '../blockdevice/config/root-params.ts'
import type { BlockDevicePlan } from '../blockdevice/config/plan.ts'
import { readBlockDeviceConfig, rootFsParams } from '../blockdevice/assemble/disk-config.ts'
import { computeImageSize } from '../blockdevice/assemble/image-size.ts'
import { stopStrayProcesses } from './stray-processes.ts'
import type { ResolvedElements } from '../elements/resolve.ts'
import type { BuildOptions } from '../config/build-options.ts'
import type { Reporter } from '../report/events.ts'
import { type BuildContext, resourceDeps, rootTreeDir } from './context.ts'
import { copyTreeIntoImage } from '../blockdevice/assemble/copy-tree.ts'
import { removeInTarget } from '../hygiene/tree-hygiene.ts'
import { writeFileInTarget } from '../chroot/target-write.ts'
import { explainingFullDisk, requireSpace } from '../blockdevice/assemble/space-check.ts'
import { timed } from './timed.ts'
import { describeDiskLayout } from '../blockdevice/run/describe-layout.ts'
import type { BlockDevices } from '../blockdevice/run/created-devices.ts'
import { readSetting } from '../config/settings.ts'
import { rebuildFilesystemsReproducibly, sourceDateEpoch } from './reproducible-disk.ts'
import {
  occupiedMountPoints,
  otherMountPoints,
  planRootPopulation,
} from '../blockdevice/assemble/populate.ts'

export interface DiskPlan {
  readonly plan: BlockDevicePlan
  readonly root: RootFsParams
  readonly hasEfiLayout: boolean
  /** Sector size of the image's disk (image0), which the boot test must show the guest too. */
  readonly sectorSize: SectorSize
  /** SOURCE_DATE_EPOCH: the filesystems are rebuilt reproducibly after the last hook. */
  readonly sourceDateEpoch: number | undefined
}

export interface AssembledDisk extends AsyncDisposable {
  /** Host path where the image's "/" is mounted (TMP_MOUNT_PATH). */
  readonly rootPath: string
  readonly imagePath: string
  /** With SOURCE_DATE_EPOCH, unmount and rebuild the filesystems from their trees; else nothing. */
  makeReproducible(): Promise<void>
}

/** Read and check the block-device config; pure input work, done before the host is touched. */
export async function planDisk(
  options: BuildOptions,
  resolved: ResolvedElements,
  reporter: Reporter,
): Promise<DiskPlan> {
  const root = rootFsParams(options)
  const plan = await readBlockDeviceConfig(options, resolved, root)
  for (const warning of plan.warnings) reporter.emit({ kind: 'warning', message: warning })
  const image = plan.byName.get(IMAGE_NODE)
  const sectorSize =
    options.blockSize ??
    (image?.kind === 'local_loop' ? image.blockSize : undefined) ??
    DEFAULT_SECTOR_SIZE
  return {
    plan,
    root,
    sectorSize,
    sourceDateEpoch: sourceDateEpoch(options.env),
    hasEfiLayout: resolved.elements.some((e) => e.name.includes('block-device-efi')),
  }
}

/** What DIB's getval calls export to hooks: root label and type, boot label, mount points. */
export function exportDiskSettings(exported: Map<string, string>, disk: DiskPlan): void {
  exported.set('DIB_ROOT_LABEL', getRootLabel(disk.plan) ?? '')
  exported.set('DIB_ROOT_FSTYPE', getRootFsType(disk.plan) ?? '')
  exported.set('DIB_BOOT_LABEL', getBootLabel(disk.plan))
  exported.set('DIB_MOUNTPOINTS', getMountPoints(disk.plan).join('|'))
}

async function treeSizeKiB(ctx: BuildContext, tree: string): Promise<number> {
  const result = await ctx.runner.run(
    {
      argv: ['du', '--summarize', '--one-file-system', '--block-size=1024', tree],
      label: 'measure the tree',
    },
    { quiet: true },
  )
  return Number(result.stdout.trim().split(/\s+/)[0])
}

/** Create the devices, write fstab, copy the tree in. Disposing unmounts and detaches. */
export async function assembleDisk(
  ctx: BuildContext,
  disk: DiskPlan,
  tree: string,
): Promise<AssembledDisk> {
  const { options } = ctx
  await removeInTarget(tree, 'lost+found')
  const treeKiB = await treeSizeKiB(ctx, tree)
  await requireSpace(ctx.workspace.imageDir, treeKiB * 1024)
  const imageSizeBytes = computeImageSize({
    treeKiB,
    fixedBytes: options.imageSizeBytes,
    extraMiB: options.imageExtraSizeMiB,
    journalMiB: options.journalSizeMiB,
    rootFsType: disk.root.rootFsType,
    hasEfiLayout: disk.hasEfiLayout,
  })
  ctx.exported.set('DIB_IMAGE_SIZE', String(imageSizeBytes / 1024))
  // The root filesystem filled from the tree as it is made, where the layout allows: no copy.
  const population = readSetting(options.env, 'populateRoot')
    ? planRootPopulation(
        disk.plan,
        tree,
        await occupiedMountPoints(tree, otherMountPoints(disk.plan)),
      )
    : undefined
  const devices = await explainingFullDisk(ctx.workspace.imageDir, () =>
    timed(ctx.reporter, 'create the disk', () =>
      createBlockDevices(
        disk.plan,
        {
          ...disk.root,
          imageDir: ctx.workspace.imageDir,
          imageSizeBytes,
          mountBase: rootTreeDir(ctx),
          ...(options.blockSize === undefined ? {} : { blockSize: options.blockSize }),
          ...(options.uuidSeed === undefined ? {} : { uuidSeed: options.uuidSeed }),
          ...(population === undefined ? {} : { populate: population }),
        },
        resourceDeps(ctx),
      ),
    ),
  )
  try {
    ctx.exported.set('IMAGE_BLOCK_DEVICE', devices.imageBlockDevice)
    // DIB exports these only after its last hook; here hooks from pre-finalise on see them.
    ctx.exported.set('TMP_IMAGE_PATH', devices.imagePath)
    ctx.exported.set('OUT_IMAGE_PATH', devices.imagePath)
    ctx.exported.set(
      'IMAGE_BLOCK_DEVICES',
      Object.entries(devices.devices)
        .map(([name, dev]) => ` [${name}]=${dev}`)
        .join(''),
    )
    // DIB exports the root filesystem's UUID; the iso element boots the disk's root by it.
    const rootUuid = Object.values(devices.filesystems).find((fs) => fs.mountPoint === '/')?.uuid
    if (rootUuid !== undefined) ctx.exported.set('DIB_IMAGE_ROOT_FS_UUID', rootUuid)
    if (population !== undefined) {
      // Nothing to copy: the tree is in the root filesystem already, fstab goes in there.
      await writeFileInTarget(devices.rootMountPath, 'etc/fstab', devices.fstab)
      await reportDiskLayout(ctx, devices, disk.sectorSize)
      ctx.reporter.emit({
        kind: 'info',
        message: `The tree was written into filesystem "${population.filesystem}" as it was made (mke2fs -d): no copy`,
      })
      return assembled(ctx, disk, devices)
    }
    await writeFileInTarget(tree, 'etc/fstab', devices.fstab)
    const fuseMountPoints = listFuseMountPoints(
      disk.plan,
      await findFuseTypes(disk.plan, nodeDeviceHost),
    )
    await reportDiskLayout(ctx, devices, disk.sectorSize)
    const treeBytes = treeKiB * 1024
    await explainingFullDisk(ctx.workspace.imageDir, () =>
      timed(ctx.reporter, 'copy the tree', () =>
        whileCopying(ctx, devices.rootMountPath, treeBytes, () =>
          copyTreeIntoImage(ctx.runner, tree, devices.rootMountPath, fuseMountPoints),
        ),
      ),
    )
  } catch (error) {
    await devices[Symbol.asyncDispose]()
    throw error
  }
  return assembled(ctx, disk, devices)
}

/** The disk as the build holds it: the mounted root, reproducible rebuild, release. */
function assembled(ctx: BuildContext, disk: DiskPlan, devices: BlockDevices): AssembledDisk {
  // A process left running on the disk would keep it from unmounting cleanly.
  const unmount = async (): Promise<void> => {
    await stopStrayProcesses(ctx.buildId, ctx.reporter)
    await devices.unmount()
  }
  return {
    rootPath: devices.rootMountPath,
    imagePath: devices.imagePath,
    makeReproducible: async () => {
      const epoch = disk.sourceDateEpoch
      if (epoch === undefined) return
      await timed(ctx.reporter, 'rebuild the filesystems reproducibly', () =>
        rebuildFilesystemsReproducibly(ctx, disk.plan, devices, epoch, unmount),
      )
    },
    [Symbol.asyncDispose]: async () => {
      await stopStrayProcesses(ctx.buildId, ctx.reporter)
      await devices[Symbol.asyncDispose]()
    },
  }
}

/** The partitions as sfdisk reads them back, with the filesystems made on them: an event. */
async function reportDiskLayout(
  ctx: BuildContext,
  devices: BlockDevices,
  sectorSize: number,
): Promise<void> {
  const table = await ctx.runner.run(
    { argv: ['sfdisk', '--json', devices.imagePath], label: 'read the partition table' },
    { quiet: true, allowFailure: true },
  )
  const imageBytes = (await stat(devices.imagePath)).size
  ctx.reporter.emit({
    kind: 'disk-layout',
    disk: describeDiskLayout({
      sfdiskJson: table.exitCode === 0 && table.stdout.trim() !== '' ? table.stdout : undefined,
      imagePath: devices.imagePath,
      imageBytes,
      sectorSize,
      loopDevice: devices.imageBlockDevice,
      filesystems: devices.filesystems,
    }),
  })
}

export const COPY_PROGRESS_INTERVAL_MS = 1000

/** While the tree is copied, how much of it the root filesystem holds: progress events. */
async function whileCopying(
  ctx: BuildContext,
  rootMount: string,
  treeBytes: number,
  copy: () => Promise<void>,
): Promise<void> {
  const used = async (): Promise<number> => {
    const fs = await statfs(rootMount)
    return (fs.blocks - fs.bfree) * fs.bsize
  }
  const before = await used()
  const task = 'copy the tree'
  const timer = setInterval(() => {
    used().then(
      (now) =>
        ctx.reporter.emit({
          kind: 'progress',
          task,
          done: Math.min(Math.max(now - before, 0), treeBytes),
          total: treeBytes,
          unit: 'bytes',
        }),
      () => undefined,
    )
  }, COPY_PROGRESS_INTERVAL_MS)
  try {
    await copy()
  } finally {
    clearInterval(timer)
  }
  ctx.reporter.emit({ kind: 'progress', task, done: treeBytes, total: treeBytes, unit: 'bytes' })
}
