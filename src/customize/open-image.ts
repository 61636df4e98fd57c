// An existing disk image opened for editing: the raw working copy attached with
// `losetup --partscan` (never kpartx or device-mapper), its partitions settled, the Linux root
// found and mounted, then /boot, the ESP and the rest from the image's own fstab. Loop devices
// and mounts go through the block-device code's HeldResources, so they are journaled for
// `imagewright cleanup` and released (children first) the same way as a build's.
import { lstat, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HEAD_BYTES, sectorSizeFromHead } from '../boot/disk-format.ts'
import { filesystemType } from '../blockdevice/filesystems.ts'
import { nodeDeviceHost } from '../blockdevice/run/device-host.ts'
import {
  buildMountArgv,
  buildMountCheckArgv,
  chooseFuseTypes,
  readKernelFilesystemFacts,
} from '../blockdevice/run/fuse-mount.ts'
import { HeldResources } from '../blockdevice/run/held-resources.ts'
import type { BlockDeviceDeps } from '../blockdevice/run/deps.ts'
import { settlePartitions } from '../blockdevice/run/partition-nodes.ts'
import { safeMountPoint, safeTargetPath } from '../chroot/safe-path.ts'
import { ImageInputError } from '../errors.ts'
import { CommandFailedError } from '../exec/errors.ts'
import { AsyncStack } from '../util/async-stack.ts'
import {
  parseBlkidExport,
  parseFstab,
  planFstabMounts,
  ROOT_TYPES,
  UNREACHABLE_TYPES,
  type ProbedFilesystem,
} from './filesystems.ts'

export interface OpenedImage extends AsyncDisposable {
  /** Where the image's root filesystem is mounted, with everything its fstab adds below it. */
  readonly root: string
  readonly rootFilesystem: ProbedFilesystem
  /** Mount points inside the image, "/" first. */
  readonly mountPoints: readonly string[]
}

export interface OpenImageOptions {
  /** What is being done with the image, for messages ("customize", "extract the root of"). */
  readonly action?: string
  /** Runs once the filesystems are found, before any is mounted (an offline resize). */
  readonly beforeMount?: (filesystems: readonly ProbedFilesystem[]) => Promise<void>
}

/** `what` names the image in messages (the user's file, not the working copy). */
export async function openImage(
  workPath: string,
  mountDir: string,
  what: string,
  deps: BlockDeviceDeps,
  options: OpenImageOptions = {},
): Promise<OpenedImage> {
  const held = new HeldResources(deps, nodeDeviceHost)
  const stack = new AsyncStack()
  stack.defer('loop devices', () => held.detachAll())
  stack.defer('mounts', () => held.unmountAll({ lazy: true }))
  try {
    const sectorSize = sectorSizeFromHead(await readHead(workPath))
    const device = await held.attachLoop(workPath, [
      'losetup',
      '--show',
      '--find',
      '--partscan',
      ...(sectorSize === 512 ? [] : ['--sector-size', String(sectorSize)]),
      workPath,
    ])
    const numbers = await partitionNumbers(device, deps)
    if (numbers.length > 0)
      held.createdNodes.push(
        ...(await settlePartitions(deps.runner, nodeDeviceHost, device, numbers)).createdNodes,
      )
    const filesystems = await probe(
      numbers.length > 0 ? numbers.map((n) => `${device}p${n}`) : [device],
      deps,
    )
    await options.beforeMount?.(filesystems)
    const action = options.action ?? 'customize'
    const root = await mountRoot(filesystems, mountDir, `${action} "${what}"`, held)
    const fstab = await safeTargetPath(mountDir, 'etc/fstab')
    const lines =
      fstab.exists && !fstab.lastIsSymlink ? parseFstab(await readFile(fstab.path, 'utf8')) : []
    const plan = planFstabMounts(lines, filesystems, root)
    const fuseTypes = chooseFuseTypes(
      plan.mounts.map((m) => m.filesystem.type),
      await readKernelFilesystemFacts(nodeDeviceHost),
    )
    for (const line of plan.skipped)
      deps.reporter.emit({
        kind: 'info',
        message: `Not mounting fstab line "${line}": not a filesystem of this disk`,
      })
    for (const mount of plan.mounts) {
      const path = await safeMountPoint(mountDir, mount.mountPoint)
      const record = {
        mountPoint: mount.mountPoint,
        path,
        device: mount.filesystem.device,
        fstype: mount.filesystem.type,
      }
      if (fuseTypes.has(mount.filesystem.type)) {
        // No vfat driver in this kernel: the ESP goes through fusefat, as in a build.
        await held.mount(
          record,
          buildMountArgv(mount.filesystem.device, path, true, sectorSize),
          buildMountCheckArgv(path),
        )
      } else {
        await held.mount(record, mountArgv(mount.filesystem, path, mount.options))
      }
    }
    const owned = stack.move()
    return {
      root: mountDir,
      rootFilesystem: root,
      mountPoints: ['/', ...plan.mounts.map((m) => m.mountPoint)],
      [Symbol.asyncDispose]: () => owned[Symbol.asyncDispose](),
    }
  } catch (error) {
    await stack[Symbol.asyncDispose]()
    throw error
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const head = new Uint8Array(HEAD_BYTES)
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0)
    return head.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Partition numbers from the table itself (partx reads it; the kernel may lag): none for a bare filesystem. */
async function partitionNumbers(device: string, deps: BlockDeviceDeps): Promise<number[]> {
  const result = await deps.runner.run(
    { argv: ['partx', '--show', '--noheadings', '--output', 'NR', device] },
    { quiet: true, allowFailure: true },
  )
  if (result.exitCode !== 0) return []
  return result.stdout
    .split('\n')
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0)
}

async function probe(
  devices: readonly string[],
  deps: BlockDeviceDeps,
): Promise<ProbedFilesystem[]> {
  const found: ProbedFilesystem[] = []
  for (const device of devices) {
    const result = await deps.runner.run(
      { argv: ['blkid', '--probe', '--output', 'export', device] },
      { quiet: true, allowFailure: true, stdoutIsData: true },
    )
    const fs = result.exitCode === 0 ? parseBlkidExport(device, result.stdout) : undefined
    if (fs) found.push(fs)
  }
  return found
}

function mountArgv(
  fs: ProbedFilesystem,
  path: string,
  options: readonly string[],
): [string, ...string[]] {
  // A copy of an XFS filesystem has the UUID of the original, which may be mounted too.
  const all = [...options, ...(filesystemType(fs.type)?.mountOptions ?? [])]
  return ['mount', '-t', fs.type, ...(all.length > 0 ? ['-o', all.join(',')] : []), fs.device, path]
}

async function hasOsRelease(dir: string): Promise<boolean> {
  for (const file of ['etc/os-release', 'usr/lib/os-release']) {
    if (await lstat(join(dir, file)).catch(() => undefined)) return true
  }
  return false
}

/** The first Linux filesystem holding an os-release (at its top, or in a btrfs subvolume named root or @). */
async function mountRoot(
  filesystems: readonly ProbedFilesystem[],
  mountDir: string,
  what: string,
  held: HeldResources,
): Promise<ProbedFilesystem> {
  const failed: string[] = []
  for (const fs of filesystems.filter((f) => ROOT_TYPES.has(f.type))) {
    const record = { mountPoint: '/', path: mountDir, device: fs.device, fstype: fs.type }
    try {
      await held.mount(record, mountArgv(fs, mountDir, []))
    } catch (error) {
      // A damaged filesystem is not the root; say why if none is.
      failed.push(
        `${fs.device} ${fs.type} does not mount (${error instanceof CommandFailedError ? (error.failure.tail.at(0) ?? error.message) : String(error)})`,
      )
      continue
    }
    if (await hasOsRelease(mountDir)) return fs
    const subvolume = fs.type === 'btrfs' ? await findSubvolume(mountDir) : undefined
    await held.unmountAll()
    if (subvolume !== undefined) {
      await held.mount(record, mountArgv(fs, mountDir, [`subvol=${subvolume}`]))
      return fs
    }
  }
  throw noRootError(filesystems, what, failed)
}

async function findSubvolume(top: string): Promise<string | undefined> {
  for (const name of ['root', '@']) if (await hasOsRelease(join(top, name))) return name
  return undefined
}

function noRootError(
  filesystems: readonly ProbedFilesystem[],
  what: string,
  failed: readonly string[],
): ImageInputError {
  if (filesystems.length === 0) {
    return new ImageInputError(
      `Cannot ${what}: not a disk image (no filesystem on it or on its partitions)`,
      { hint: 'Give a disk image with a Linux root filesystem' },
    )
  }
  const hidden = filesystems.find((fs) => UNREACHABLE_TYPES[fs.type] !== undefined)
  if (hidden) {
    return new ImageInputError(
      `Cannot ${what}: its root may be on ${UNREACHABLE_TYPES[hidden.type] ?? hidden.type} (${hidden.device}), which imagewright cannot open`,
    )
  }
  if (failed.length > 0)
    return new ImageInputError(
      `Cannot ${what}: no Linux root filesystem mounts: ${failed.join('; ')}`,
    )
  const seen = filesystems.map((fs) => `${fs.device} ${fs.type}`).join(', ')
  const linux = filesystems.some((fs) => ROOT_TYPES.has(fs.type))
  return new ImageInputError(
    linux
      ? `Cannot ${what}: no Linux root filesystem (none of ${seen} holds /etc/os-release)`
      : `Cannot ${what}: no Linux root filesystem (found only ${seen}; the root must be ${[...ROOT_TYPES].join(', ')})`,
  )
}
