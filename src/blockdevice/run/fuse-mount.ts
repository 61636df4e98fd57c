// Some kernels (minimal VM and container kernels) have no vfat driver, so an EFI system
// partition cannot be mounted the usual way. There the FAT filesystem is mounted through FUSE
// (fusefat) instead; everything else, including unmounting with umount, stays the same.
import { HostRequirementError } from '../../errors.ts'
import { canonicalFsType, filesystemType } from '../filesystems.ts'
import type { DeviceHost } from './device-host.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import type { Argv } from '../../exec/command.ts'
import { DEFAULT_SECTOR_SIZE, type SectorSize } from '../../util/sector-size.ts'

/** The kernel driver that mounts FAT filesystems. */
const FAT_DRIVER = 'vfat'

/** mkfs types (any spelling) that the filesystem table mounts through FUSE when the kernel cannot. */
function hasFuseFallback(type: string): boolean {
  return filesystemType(canonicalFsType(type))?.fuseFallback !== undefined
}

export const FUSE_FAT_TOOL = 'fusefat'

export interface KernelFilesystemFacts {
  /** /proc/filesystems; undefined when it cannot be read. */
  readonly procFilesystems: string | undefined
  /** modules.dep and modules.builtin of the running kernel, when they exist. */
  readonly modulesDep: string | undefined
  readonly modulesBuiltin: string | undefined
}

/** Filesystem names the kernel mounts now (/proc/filesystems: "[nodev]\tname" lines). */
export function parseProcFilesystems(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/).at(-1)
    if (name) names.add(name)
  }
  return names
}

/** Whether `mount` can use the kernel driver: registered already, or a module mount can load. */
export function kernelHasDriver(driver: string, facts: KernelFilesystemFacts): boolean {
  // Unknown kernel: assume a normal one and let mount say what is wrong.
  if (facts.procFilesystems === undefined) return true
  if (parseProcFilesystems(facts.procFilesystems).has(driver)) return true
  const module = new RegExp(`(^|/)${driver}\\.ko(\\.[a-z]+)?:?(\\s|$)`, 'm')
  return module.test(facts.modulesDep ?? '') || module.test(facts.modulesBuiltin ?? '')
}

/** The mkfs types among `fstypes` that must be mounted through FUSE on this kernel. */
export function chooseFuseTypes(
  fstypes: Iterable<string>,
  facts: KernelFilesystemFacts,
): Set<string> {
  const fuse = new Set<string>()
  for (const fstype of fstypes) {
    if (hasFuseFallback(fstype) && !kernelHasDriver(FAT_DRIVER, facts)) fuse.add(fstype)
  }
  return fuse
}

/**
 * The command that mounts `device` at `path`. Through FUSE the mount is a "fuseblk" one
 * (blkdev): umount then waits until fusefat has written everything back, so detaching the
 * loop device right after is safe. fsname makes the mount table name the partition, which
 * grub-install needs to find the device behind /boot/efi. The kernel refuses a fuseblk mount
 * whose block size is smaller than the device's sectors, so a 4Kn disk needs blksize=4096.
 */
export function buildMountArgv(
  device: string,
  path: string,
  viaFuse: boolean,
  sectorSize: SectorSize = DEFAULT_SECTOR_SIZE,
): Argv {
  if (!viaFuse) return ['mount', device, path]
  const blksize = sectorSize === 512 ? '' : `,blksize=${sectorSize}`
  return [FUSE_FAT_TOOL, '-o', `rw+,blkdev${blksize},fsname=${device}`, device, path]
}

/** fusefat exits 0 even when the kernel refused its mount; this asks the mount table instead. */
export function buildMountCheckArgv(path: string): Argv {
  return ['mountpoint', '-q', path]
}

/** Mount points (in the image) of filesystems that are mounted through FUSE. */
export function listFuseMountPoints(
  plan: BlockDevicePlan,
  fuseTypes: ReadonlySet<string>,
): string[] {
  const points: string[] = []
  for (const node of plan.nodes) {
    if (node.kind !== 'mount') continue
    const fs = plan.byName.get(node.base)
    if (fs?.kind === 'mkfs' && fuseTypes.has(fs.type)) points.push(node.mountPoint)
  }
  return points
}

function mountedTypes(plan: BlockDevicePlan): Set<string> {
  const types = new Set<string>()
  for (const node of plan.nodes) {
    if (node.kind !== 'mount') continue
    const fs = plan.byName.get(node.base)
    if (fs?.kind === 'mkfs') types.add(fs.type)
  }
  return types
}

/** Read what the running kernel can mount, and pick the plan's filesystems that need FUSE. */
export async function findFuseTypes(plan: BlockDevicePlan, host: DeviceHost): Promise<Set<string>> {
  const types = mountedTypes(plan)
  if (![...types].some((type) => hasFuseFallback(type))) return new Set()
  return chooseFuseTypes(types, await readKernelFilesystemFacts(host))
}

/** What the running kernel can mount: /proc/filesystems and its module lists. */
export async function readKernelFilesystemFacts(host: DeviceHost): Promise<KernelFilesystemFacts> {
  const release = (await host.readText('/proc/sys/kernel/osrelease'))?.trim() ?? ''
  const modules = `/lib/modules/${release}`
  return {
    procFilesystems: await host.readText('/proc/filesystems'),
    modulesDep: release ? await host.readText(`${modules}/modules.dep`) : undefined,
    modulesBuiltin: release ? await host.readText(`${modules}/modules.builtin`) : undefined,
  }
}

/** Fail before any work when a FUSE mount is needed and fusefat is not installed. */
export async function requireFuseTool(
  plan: BlockDevicePlan,
  fuseTypes: ReadonlySet<string>,
  findTool: (name: string) => Promise<string | undefined>,
): Promise<void> {
  const points = listFuseMountPoints(plan, fuseTypes)
  if (points.length === 0 || (await findTool(FUSE_FAT_TOOL)) !== undefined) return
  throw new HostRequirementError(
    `Cannot mount the FAT filesystem at "${points[0] ?? ''}" (${plan.file}): this kernel has no vfat driver and "${FUSE_FAT_TOOL}" is not installed`,
    { hint: 'Install it with: apt-get install fusefat' },
  )
}
