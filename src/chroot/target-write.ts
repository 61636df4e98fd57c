// The one way the core, the element tools and (through libexec/imagewright-target-write) host-side
// shell elements write into an image tree: every directory on the way is checked not to be a
// symlink (an absolute one would lead to the host, a relative one may climb out with ".."),
// a file is created exclusively under a fresh name and renamed into place, so a symlink at the
// final name is replaced, never followed. The walk is lstat-based: it protects against the
// tree's contents, not against a process racing it (no hook runs while the core writes).
import { randomBytes } from 'node:crypto'
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ChrootError } from '../errors.ts'
import { safeTargetPath } from './safe-path.ts'

/** Make `pathInRoot` (and its parents) a real directory in the target; returns its host path. */
export async function makeDirInTarget(
  root: string,
  pathInRoot: string,
  mode = 0o755,
): Promise<string> {
  // The root is the caller's own path on the host; only what lies below it is the image's.
  await mkdir(root, { recursive: true })
  const target = await safeTargetPath(root, pathInRoot, { createDirs: true })
  if (target.lastIsSymlink) {
    throw new ChrootError(
      `Cannot write into "${pathInRoot}" in the target "${root}": it is a symlink`,
      {
        hint: 'The image tree must not redirect system directories with symlinks',
      },
    )
  }
  if (!target.exists) {
    await mkdir(target.path, { mode })
    return target.path
  }
  if (!(await lstat(target.path)).isDirectory()) {
    throw new ChrootError(
      `Cannot write into "${pathInRoot}" in the target "${root}": it is not a directory`,
    )
  }
  return target.path
}

/** Write `content` at `pathInRoot`, replacing (not following) whatever is there; returns its host path. */
export async function writeFileInTarget(
  root: string,
  pathInRoot: string,
  content: string | Uint8Array,
  mode = 0o644,
): Promise<string> {
  const dir = await makeDirInTarget(root, dirname(pathInRoot))
  const path = join(dir, basename(pathInRoot))
  const existing = await lstat(path).catch(() => undefined)
  if (existing?.isDirectory()) {
    throw new ChrootError(`Cannot write "${pathInRoot}" in the target "${root}": it is a directory`)
  }
  const temp = join(dir, `.${basename(pathInRoot)}.${randomBytes(6).toString('hex')}.imagewright`)
  await writeFile(temp, content, { flag: 'wx', mode })
  try {
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  return path
}

/** Remove `pathInRoot` and what is below it, never through a symlinked directory on the way. */
export async function removeInTargetTree(root: string, pathInRoot: string): Promise<void> {
  const target = await safeTargetPath(root, pathInRoot)
  if (target.exists) await rm(target.path, { recursive: true, force: true })
}
