// Files the core places into the target for the length of a chroot session and takes back
// afterwards: the host's resolver and a policy-rc.d that stops package installs starting daemons.
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ChrootError } from '../errors.ts'
import { safeTargetPath } from './safe-path.ts'

const ASIDE_SUFFIX = '.imagewright-orig'

export interface TemporaryFile {
  /** Put the image's own file back, unless the build deliberately replaced ours with a link. */
  restore(): Promise<void>
}

/** Sets a directory's mtime to the nanosecond (Node's utimes rounds to a double of seconds). */
export type SetMtime = (path: string, mtimeNs: bigint) => Promise<void>

/**
 * Install `content` at `pathInRoot`, keeping whatever was there aside (never following links).
 * With `setMtime`, restoring also puts back the directory's mtime when nothing else changed in it.
 */
export async function placeTemporaryFile(
  root: string,
  pathInRoot: string,
  content: string,
  mode = 0o644,
  setMtime?: SetMtime,
): Promise<TemporaryFile> {
  const target = await safeTargetPath(root, pathInRoot, { createDirs: true })
  const aside = `${target.path}${ASIDE_SUFFIX}`
  if (await exists(aside)) {
    throw new ChrootError(
      `Cannot prepare "${pathInRoot}" in the target: "${aside}" is left from an earlier run`,
    )
  }
  const hadOriginal = target.exists
  const parent = dirname(target.path)
  const parentBefore = await lstat(parent, { bigint: true })
  if (hadOriginal) await rename(target.path, aside)
  // 'wx' fails rather than follows if something raced a link into place.
  await writeFile(target.path, content, { flag: 'wx', mode })
  const parentPlaced = (await lstat(parent, { bigint: true })).mtimeNs
  return {
    restore: async () => {
      const now = await lstat(target.path).catch(() => undefined)
      const replacedByBuild = now?.isSymbolicLink() === true
      if (replacedByBuild) {
        if (hadOriginal) await rm(aside, { force: true })
        return
      }
      const untouched = (await lstat(parent, { bigint: true })).mtimeNs === parentPlaced
      await rm(target.path, { force: true })
      if (hadOriginal) await rename(aside, target.path)
      // The directory as it was, its mtime too, when nothing but this file changed in it
      // meanwhile: a session that changed nothing leaves nothing changed (unchanged-tree.ts).
      if (untouched && setMtime !== undefined) await setMtime(parent, parentBefore.mtimeNs)
    },
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined
}

export async function hostResolvConf(): Promise<string> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
  return text.trim() === '' ? 'nameserver 8.8.8.8\n' : text
}

export const POLICY_RC_D =
  '#!/bin/sh\n# Written by imagewright for the build: no daemons start inside the build chroot.\nexit 101\n'
