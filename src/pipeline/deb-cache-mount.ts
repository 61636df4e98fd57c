// The apt download cache mounted on the tree's var/cache/apt/archives while the install phases
// run (the dpkg element's shared apt cache, DIB_APT_LOCAL_CACHE), released before a step is
// stored and before post-root.d: the step cache never holds the .deb files, and the image
// never contains them.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  installedDebNames,
  linkDebCache,
  pruneDebCache,
  returnDebCache,
} from '../cache/deb-cache.ts'
import { safeMountPoint } from '../chroot/safe-path.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { readSetting } from '../config/settings.ts'
import { mountOn } from '../host/mount.ts'
import { AsyncStack } from '../util/async-stack.ts'
import { type BuildContext, resourceDeps, rootTreeDir } from './context.ts'

export interface DebCachePlan {
  /** $DIB_IMAGE_CACHE/apt/DISTRO_NAME */
  readonly cacheDir: string
  readonly maxAgeDays: number
}

/**
 * Whether the build mounts the cache: the dpkg element is in it (its contract, as in DIB),
 * DIB_APT_LOCAL_CACHE is not 0, and the distribution is known.
 */
export function debCachePlan(
  options: Pick<BuildOptions, 'env' | 'imageCache'>,
  elementNames: readonly string[],
  distro: string | undefined,
): DebCachePlan | undefined {
  if (!elementNames.includes('dpkg') || distro === undefined) return undefined
  if (!readSetting(options.env, 'aptLocalCache')) return undefined
  return {
    cacheDir: join(options.imageCache, 'apt', distro),
    maxAgeDays: readSetting(options.env, 'aptCacheDays'),
  }
}

const ARCHIVES = 'var/cache/apt/archives'

/** Mount the build's links to the cache; the release links new files back and prunes. */
export async function mountDebCache(
  ctx: BuildContext,
  plan: DebCachePlan,
): Promise<AsyncDisposable> {
  const root = rootTreeDir(ctx)
  const stack = new AsyncStack()
  try {
    const target = await safeMountPoint(root, ARCHIVES)
    const links = await linkDebCache(plan.cacheDir)
    stack.defer('apt cache links', async () => {
      const status = await readFile(join(root, 'var/lib/dpkg/status'), 'utf8').catch(() => '')
      const { added } = await returnDebCache(links, installedDebNames(status))
      const pruned = await pruneDebCache(plan.cacheDir, plan.maxAgeDays)
      ctx.reporter.emit({
        kind: 'info',
        message: `apt cache ${plan.cacheDir}: ${added} new .deb file(s) kept${pruned.length > 0 ? `, ${pruned.length} not installed for ${plan.maxAgeDays} days pruned` : ''}`,
      })
    })
    stack.defer(
      `mount ${target}`,
      await mountOn(
        { source: links.linkDir, target, bind: true, private: true },
        resourceDeps(ctx),
      ),
    )
  } catch (error) {
    await stack[Symbol.asyncDispose]()
    throw error
  }
  return stack.move()
}
