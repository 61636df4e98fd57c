// What DIB's finalise_base does to the finished tree, done without ever following a symlink
// out of it: an empty /tmp, truncated logs, no leftover build helpers.
import { constants } from 'node:fs'
import { lstat, open, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { safeTargetPath } from '../chroot/safe-path.ts'

/** Remove everything inside `pathInRoot` but keep the directory itself. */
export async function emptyDirectory(root: string, pathInRoot: string): Promise<void> {
  const dir = await safeTargetPath(root, pathInRoot)
  if (!dir.exists || dir.lastIsSymlink) return
  for (const name of await readdir(dir.path))
    await rm(join(dir.path, name), { recursive: true, force: true })
}

/** Truncate every regular file below `pathInRoot` (links are left alone). */
export async function truncateFilesBelow(root: string, pathInRoot: string): Promise<number> {
  const dir = await safeTargetPath(root, pathInRoot)
  if (!dir.exists || dir.lastIsSymlink) return 0
  let count = 0
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) await walk(full)
      else if (entry.isFile()) {
        const handle = await open(full, constants.O_WRONLY | constants.O_NOFOLLOW)
        try {
          if ((await handle.stat()).size > 0) {
            await handle.truncate(0)
            count++
          }
        } finally {
          await handle.close()
        }
      }
    }
  }
  await walk(dir.path)
  return count
}

export async function removeInTarget(root: string, pathInRoot: string): Promise<void> {
  const target = await safeTargetPath(root, pathInRoot)
  if (!target.exists) return
  const info = await lstat(target.path)
  await rm(target.path, { recursive: info.isDirectory(), force: true })
}

/** DIB's finalise_base, run after cleanup.d on the final filesystems. */
export async function finaliseTree(root: string): Promise<void> {
  await emptyDirectory(root, 'tmp')
  await truncateFilesBelow(root, 'var/log')
}
