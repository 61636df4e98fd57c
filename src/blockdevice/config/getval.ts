// The config-time answers of `dib-block-device getval` (root-label, root-fstype, boot-label,
// mount-points), read from a plan.
import type { MkfsNode, MountNode } from './node-types.ts'
import { sortMounts } from './order-nodes.ts'
import type { BlockDevicePlan } from './plan.ts'

/** Mounts in mount order (string-sorted mount points, as DIB mounts them). */
export function listMounts(plan: BlockDevicePlan): MountNode[] {
  return sortMounts(plan.nodes.filter((node) => node.kind === 'mount'))
}

/** The filesystem mounted at a mount point, if any. */
export function findFilesystemAt(plan: BlockDevicePlan, mountPoint: string): MkfsNode | undefined {
  const mount = listMounts(plan).find((node) => node.mountPoint === mountPoint)
  const fs = mount ? plan.byName.get(mount.base) : undefined
  return fs?.kind === 'mkfs' ? fs : undefined
}

/** getval root-label: the label of the filesystem mounted at "/". */
export function getRootLabel(plan: BlockDevicePlan): string | undefined {
  return findFilesystemAt(plan, '/')?.label
}

/** getval root-fstype: the type of the filesystem mounted at "/". */
export function getRootFsType(plan: BlockDevicePlan): string | undefined {
  return findFilesystemAt(plan, '/')?.type
}

/** getval boot-label: the label of the filesystem mounted at "/boot", or "" without one. */
export function getBootLabel(plan: BlockDevicePlan): string {
  return findFilesystemAt(plan, '/boot')?.label ?? ''
}

/** getval mount-points: real mount points in mount order (swap's "none" left out). */
export function getMountPoints(plan: BlockDevicePlan): string[] {
  return listMounts(plan)
    .map((mount) => mount.mountPoint)
    .filter((mountPoint) => mountPoint !== 'none')
}
