// Whether a tree step's result is all in the build directory, which is all the cache keeps.
import { readdir } from 'node:fs/promises'
import type { Runner } from '../exec/command.ts'
import { mountsBelow } from '../host/mount.ts'
import { OWNER_MARK } from '../host/orphans.ts'

/** The workspace a tree step packs and restores (TMP_BUILD_DIR and TMP_IMAGE_DIR). */
export interface StepWorkspace {
  readonly buildDir: string
  readonly imageDir: string
}

/** Why the step cannot be stored, or undefined when it can. */
export async function uncacheableReason(
  workspace: StepWorkspace,
  runner: Runner,
): Promise<string | undefined> {
  const mounted = (await mountsBelow(workspace.buildDir, runner)).filter(
    (m) => m !== workspace.buildDir,
  )
  if (mounted.length > 0)
    return `${mounted[0]} is still mounted (a hook left a mount the cache cannot capture)`
  if ((await readdir(workspace.imageDir)).some((name) => name !== OWNER_MARK)) {
    return `a hook wrote into TMP_IMAGE_DIR (${workspace.imageDir}), which the cache does not capture`
  }
  return undefined
}
