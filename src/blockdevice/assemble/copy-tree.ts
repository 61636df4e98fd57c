// Copy the built root tree onto the image's mounted filesystems. A filesystem mounted through
// FUSE (fusefat, see blockdevice/fuse-mount.ts) cannot take what `cp -a` preserves: it has no
// chmod, and setting the times of its root directory kills fusefat. So the tree's part below
// such a mount point is set aside during the big copy and copied afterwards by a plain `cp -R`,
// which keeps no modes or owners (FAT could not store them anyway) and so calls no chmod.
import { lstat, readdir, rename } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { safeTargetPath } from '../../chroot/safe-path.ts'
import type { Runner } from '../../exec/command.ts'

interface SetAside {
  /** Where the directory belongs in the tree. */
  readonly original: string
  /** Where it waits during the copy (next to the tree, on the same filesystem). */
  readonly aside: string
  /** The mount point in the image. */
  readonly mountPoint: string
}

export async function copyTreeIntoImage(
  runner: Runner,
  tree: string,
  rootMount: string,
  fuseMountPoints: readonly string[],
): Promise<void> {
  const asides = await setAside(tree, fuseMountPoints)
  try {
    await runner.run(
      {
        argv: ['cp', '-a', '--sparse=always', `${tree}/.`, `${rootMount}/`],
        label: 'copy the tree into the image',
      },
      { quiet: true },
    )
    for (const entry of asides) {
      const names = await readdir(entry.aside)
      if (names.length === 0) continue
      const target = await safeTargetPath(rootMount, entry.mountPoint)
      await runner.run(
        {
          argv: ['cp', '-R', '-t', target.path, ...names.map((n) => join(entry.aside, n))],
          label: `copy the tree's ${entry.mountPoint} into the image`,
        },
        { quiet: true },
      )
    }
  } finally {
    for (const entry of asides.reverse()) await rename(entry.aside, entry.original)
  }
}

async function setAside(tree: string, mountPoints: readonly string[]): Promise<SetAside[]> {
  const asides: SetAside[] = []
  // Deepest first, so a nested mount point is moved out before its parent.
  const ordered = [...mountPoints].sort((a, b) => b.length - a.length)
  try {
    for (const [index, mountPoint] of ordered.entries()) {
      const target = await safeTargetPath(tree, mountPoint)
      if (!target.exists || target.lastIsSymlink) continue
      if (!(await lstat(target.path)).isDirectory()) continue
      const aside = join(dirname(tree), `fuse-mount-aside-${index}`)
      await rename(target.path, aside)
      asides.push({ original: target.path, aside, mountPoint })
    }
  } catch (error) {
    for (const entry of asides.reverse()) await rename(entry.aside, entry.original)
    throw error
  }
  return asides
}
