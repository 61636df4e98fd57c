// The root filesystem filled as it is made (`mke2fs -d TREE`) instead of made empty, mounted and
// the tree copied in with `cp -a`: one userspace pass that writes each block once, no journal
// traffic (the journal stays zeros, which the qcow2 conversion then skips), and no writeback at
// unmount. Measured in docs/cache.md ("Cold path"). The filesystem is still mounted afterwards
// for the finalise phases, as before.
// Only where the whole tree belongs to that one filesystem: an ext2/3/4 root, and every other
// filesystem's mount point missing or empty in the tree (what the tree holds there must land on
// that filesystem, which `mke2fs -d` of the root cannot do; `cp -a` across the mounts can).
import { readdir } from 'node:fs/promises'
import { safeTargetPath } from '../../chroot/safe-path.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import { isExtFamily } from '../filesystems.ts'

export interface RootPopulation {
  /** The mkfs node of "/". */
  readonly filesystem: string
  readonly from: string
}

/** Mount points of the image's filesystems other than "/" (swap has none). */
export function otherMountPoints(plan: BlockDevicePlan): string[] {
  return plan.nodes.flatMap((node) =>
    node.kind === 'mount' && node.mountPoint !== '/' && node.mountPoint.startsWith('/')
      ? [node.mountPoint]
      : [],
  )
}

/**
 * The mkfs node to fill from the tree, or undefined when the copy must stay: `occupied` are the
 * other mount points under which the tree holds files.
 */
export function planRootPopulation(
  plan: BlockDevicePlan,
  tree: string,
  occupied: readonly string[],
): RootPopulation | undefined {
  if (occupied.length > 0) return undefined
  const rootMount = plan.nodes.find((node) => node.kind === 'mount' && node.mountPoint === '/')
  if (rootMount?.kind !== 'mount') return undefined
  const fs = plan.byName.get(rootMount.base)
  if (fs?.kind !== 'mkfs' || !isExtFamily(fs.type)) return undefined
  return { filesystem: fs.name, from: tree }
}

/** Which of `mountPoints` hold something in `tree` (a symlink there counts: cp would copy it). */
export async function occupiedMountPoints(
  tree: string,
  mountPoints: readonly string[],
): Promise<string[]> {
  const occupied: string[] = []
  for (const mountPoint of mountPoints) {
    const target = await safeTargetPath(tree, mountPoint)
    if (!target.exists) continue
    if (target.lastIsSymlink) {
      occupied.push(mountPoint)
      continue
    }
    const names = await readdir(target.path).catch(() => ['(not a directory)'])
    if (names.length > 0) occupied.push(mountPoint)
  }
  return occupied
}
