// Paths inside a target root must never lead back out of it. A target's /etc/resolv.conf or
// /proc that is a symlink to a host path is the classic way a build damages its host, so every
// write or mount into the target walks the path one component at a time without following links.
import { lstat, mkdir } from 'node:fs/promises'
import { join, normalize, relative, sep } from 'node:path'
import { ChrootError } from '../errors.ts'

function components(pathInRoot: string): string[] {
  const clean = normalize(pathInRoot.startsWith('/') ? pathInRoot : `/${pathInRoot}`)
  return clean.split(sep).filter((c) => c !== '' && c !== '.')
}

/**
 * Resolve `pathInRoot` below `root`, refusing any symlink among its directories. The last
 * component may be absent; if it is a symlink the caller decides (see `lastIsSymlink`).
 */
export async function safeTargetPath(
  root: string,
  pathInRoot: string,
  options: { readonly createDirs?: boolean } = {},
): Promise<{ readonly path: string; readonly lastIsSymlink: boolean; readonly exists: boolean }> {
  const parts = components(pathInRoot)
  if (parts.includes('..'))
    throw new ChrootError(`Cannot use "${pathInRoot}" in the target: it contains ".."`)
  let current = root
  for (const [index, part] of parts.entries()) {
    current = join(current, part)
    const isLast = index === parts.length - 1
    const info = await lstat(current).catch(() => undefined)
    if (!info) {
      if (isLast) return { path: current, lastIsSymlink: false, exists: false }
      if (!options.createDirs)
        return {
          path: join(current, ...parts.slice(index + 1)),
          lastIsSymlink: false,
          exists: false,
        }
      await mkdir(current)
      continue
    }
    if (info.isSymbolicLink()) {
      if (isLast) return { path: current, lastIsSymlink: true, exists: true }
      throw new ChrootError(
        `Cannot use "${pathInRoot}" in the target "${root}": "${relative(root, current)}" is a symlink`,
        { hint: 'The image tree must not redirect system directories with symlinks' },
      )
    }
    if (!isLast && !info.isDirectory()) {
      throw new ChrootError(
        `Cannot use "${pathInRoot}" in the target: "${relative(root, current)}" is not a directory`,
      )
    }
  }
  return { path: current, lastIsSymlink: false, exists: true }
}

/** A directory inside the target suitable as a mount point: real, not a symlink, created if missing. */
export async function safeMountPoint(root: string, pathInRoot: string): Promise<string> {
  const target = await safeTargetPath(root, pathInRoot, { createDirs: true })
  if (target.lastIsSymlink) {
    throw new ChrootError(`Cannot mount on "${pathInRoot}" in the target: it is a symlink`)
  }
  if (!target.exists) await mkdir(target.path)
  const info = await lstat(target.path)
  if (!info.isDirectory())
    throw new ChrootError(`Cannot mount on "${pathInRoot}" in the target: it is not a directory`)
  return target.path
}
