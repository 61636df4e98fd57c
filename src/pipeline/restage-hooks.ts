// The hooks tree of a build, staged from the current elements. After the cache restored a
// build directory, its hooks tree holds the hooks staged when the step was stored and whatever
// hooks wrote there since (install-types links, files an extra-data.d hook leaves for a later
// phase). The staged copies are replaced by the current elements' (later phases' scripts are
// not part of the earlier step's key, and an edited one must run); what hooks wrote is kept,
// as it would be had the earlier phases run in this build.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { treeDigests } from '../cache/input-facts.ts'
import type { HooksTree } from '../elements/hooks-tree.ts'
import { CacheError } from '../errors.ts'
import { stageHooks, type PreparedElements } from './prepare-elements.ts'

/** In TMP_BUILD_DIR, beside the hooks tree: each staged file's digest, so a restore can tell them from what hooks wrote. */
const STAGED_LIST = '.imagewright-staged-hooks.json'

export async function stageBuildHooks(
  elements: PreparedElements,
  buildDir: string,
  hooksDir: string,
): Promise<HooksTree> {
  const listPath = join(buildDir, STAGED_LIST)
  if (!existsSync(hooksDir)) return recordStaged(await stageHooks(elements, hooksDir), listPath)
  const previous = await readStaged(listPath)
  const fresh = `${hooksDir}.staging`
  await rm(fresh, { recursive: true, force: true })
  const tree = await stageHooks(elements, fresh)
  const staged = await treeDigests(fresh)
  if (previous !== undefined) await carryHookWrites(hooksDir, fresh, previous, staged)
  await rm(hooksDir, { recursive: true, force: true })
  await rename(fresh, hooksDir)
  await writeFile(listPath, JSON.stringify(Object.fromEntries(staged)))
  return { root: hooksDir, origins: tree.origins }
}

async function recordStaged(tree: HooksTree, listPath: string): Promise<HooksTree> {
  await writeFile(listPath, JSON.stringify(Object.fromEntries(await treeDigests(tree.root))))
  return tree
}

async function readStaged(listPath: string): Promise<Map<string, string> | undefined> {
  try {
    return new Map(
      Object.entries(JSON.parse(await readFile(listPath, 'utf8')) as Record<string, string>),
    )
  } catch {
    return undefined
  }
}

/**
 * Move every file of the restored tree that staging did not put there as it is (a file a hook
 * wrote or changed) into the freshly staged tree, over a staged file of the same name.
 */
async function carryHookWrites(
  restored: string,
  fresh: string,
  previous: ReadonlyMap<string, string>,
  staged: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [rel, digest] of await treeDigests(restored)) {
    const stagedThen = previous.get(rel)
    if (stagedThen === digest) continue
    if (stagedThen !== undefined && staged.get(rel) !== stagedThen) {
      throw new CacheError(
        `Cannot reuse the cached build directory: a hook changed the staged hook "${rel}", and that file has changed in its element since`,
        {
          hint: 'Build once with --no-cache (or IMAGEWRIGHT_NO_CACHE=1)',
        },
      )
    }
    await mkdir(dirname(join(fresh, rel)), { recursive: true })
    await rm(join(fresh, rel), { force: true })
    await rename(join(restored, rel), join(fresh, rel))
  }
}
