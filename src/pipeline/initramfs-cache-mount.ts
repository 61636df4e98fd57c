// The initramfs cache offered to post-install.d: an exchange directory (cache/initramfs-store.ts)
// bind-mounted in the tree's /tmp and named to the hooks by IMAGEWRIGHT_INITRAMFS_CACHE, where
// the dpkg element's update-initramfs finds it. Released before the post-install step is stored:
// the mount point goes, the hits are marked used and the new images stored.
import { rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { cacheEnabled, cacheMaxBytes } from '../cache/cache-policy.ts'
import { closeInitramfsExchange, openInitramfsExchange } from '../cache/initramfs-store.ts'
import { StepStore } from '../cache/store.ts'
import { safeMountPoint } from '../chroot/safe-path.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { mountOn } from '../host/mount.ts'
import { AsyncStack } from '../util/async-stack.ts'
import { type BuildContext, resourceDeps, rootTreeDir } from './context.ts'

export interface InitramfsCachePlan {
  readonly store: StepStore
  readonly maxBytes: number
}

const IN_TREE = 'tmp/imagewright-initramfs-cache'
const VARIABLE = 'IMAGEWRIGHT_INITRAMFS_CACHE'

/** Offered where the dpkg element defers the initramfs, unless the build runs with --no-cache. */
export function initramfsCachePlan(
  options: Pick<BuildOptions, 'env' | 'imageCache' | 'noCache'>,
  elementNames: readonly string[],
): InitramfsCachePlan | undefined {
  if (!elementNames.includes('dpkg') || !cacheEnabled(options)) return undefined
  return { store: new StepStore(options.imageCache), maxBytes: cacheMaxBytes(options.env) }
}

export async function mountInitramfsCache(
  ctx: BuildContext,
  plan: InitramfsCachePlan,
): Promise<AsyncDisposable> {
  const stack = new AsyncStack()
  try {
    const exchange = await openInitramfsExchange(plan.store)
    stack.defer('initramfs exchange', async () => {
      const outcome = await closeInitramfsExchange(plan.store, exchange)
      for (const use of outcome.reused)
        ctx.reporter.emit({
          kind: 'info',
          message: `Cache: reused the initramfs of kernel ${use.kernel} (${use.key.slice(0, 12)}): its inputs are unchanged`,
        })
      for (const use of outcome.stored)
        ctx.reporter.emit({
          kind: 'info',
          message: `Cache: stored the initramfs of kernel ${use.kernel} (${use.key.slice(0, 12)})`,
        })
      if (outcome.stored.length > 0) await plan.store.prune(plan.maxBytes)
    })
    const target = await safeMountPoint(rootTreeDir(ctx), IN_TREE)
    stack.defer('initramfs cache mount point', () => rmdir(target))
    stack.defer(
      `mount ${target}`,
      await mountOn({ source: exchange, target, bind: true, private: true }, resourceDeps(ctx)),
    )
    ctx.exported.set(VARIABLE, join('/', IN_TREE))
    stack.defer(VARIABLE, () => {
      ctx.exported.delete(VARIABLE)
    })
  } catch (error) {
    await stack[Symbol.asyncDispose]()
    throw error
  }
  return stack.move()
}
