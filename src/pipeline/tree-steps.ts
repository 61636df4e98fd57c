// The root tree's phases, root.d to post-root.d, as the cache's tree steps: each step starts
// from the one restored or built before it, and after each the build directory may be stored.
// The chroot stays open across the install phases, as in DIB, except where a step is stored:
// it is closed first so the archive holds the tree and nothing mounted into it. The apt download
// cache is mounted for the install phases only (deb-cache-mount.ts), and the initramfs cache
// for post-install.d (initramfs-cache-mount.ts), so no step holds them.
import { openChroot, type ChrootSession } from '../chroot/chroot.ts'
import { hostResolvConf } from '../chroot/target-files.ts'
import type { HooksTree } from '../elements/hooks-tree.ts'
import { mountsBelow, unmount } from '../host/mount.ts'
import type { StepCache } from '../cache/step-cache.ts'
import { STEP_PHASES, TREE_STEPS, type TreeStep } from '../cache/step-keys.ts'
import { releasedWithHint } from '../util/release-errors.ts'
import { type BuildContext, hooksDir, resourceDeps, rootTreeDir } from './context.ts'
import type { PhaseRunner } from './phase-runner.ts'
import { checkRootTree, dropCopiedHostResolver, installExtraPackages } from './root-tree.ts'
import { mountDebCache, type DebCachePlan } from './deb-cache-mount.ts'
import { mountInitramfsCache, type InitramfsCachePlan } from './initramfs-cache-mount.ts'
import { NOT_WATCHED, TreeChangeWatch, type Verdict } from './unchanged-tree.ts'

/** The host caches the install phases are offered. */
export interface TreeStepCaches {
  readonly debs: DebCachePlan | undefined
  readonly initramfs: InitramfsCachePlan | undefined
}

/** Run every tree step after `restored` (all of them when nothing was restored). */
export async function runTreeSteps(
  ctx: BuildContext,
  tree: HooksTree,
  phase: PhaseRunner,
  cache: StepCache,
  restored: TreeStep | undefined,
  caches: TreeStepCaches,
): Promise<void> {
  const root = rootTreeDir(ctx)
  const todo = TREE_STEPS.slice(restored === undefined ? 0 : TREE_STEPS.indexOf(restored) + 1)
  await using chroot = new ChrootSlot(ctx, caches)
  // Whether post-root.d left the tree as the step before it was stored.
  const watch = new TreeChangeWatch(ctx.workspace.buildDir, ctx.resourceRunner)
  let sameAs: TreeStep | undefined
  // Phases run since the last step restored or stored: what a later build would run again
  // from there if this step were not stored.
  let since = performance.now()
  for (const step of todo) {
    if (step === 'root') {
      await phase('root', root)
      await checkRootTree(root)
      await dropCopiedHostResolver(root, await hostResolvConf(), ctx.reporter)
    } else {
      await chroot.open(step === 'install' || step === 'post-install', step === 'post-install')
      if (step === 'tree') await watch.phasesStart()
      for (const name of STEP_PHASES[step]) await phase(name, root)
      if (step === 'install') await installExtraPackages(ctx, tree)
      if (step === 'tree') await watch.phasesEnd()
    }
    if (step === 'tree') {
      await chroot.close()
      await unmountHookMounts(ctx)
      sameAs = sharedStep(await watch.verdict(), ctx)
    }
    if (!(await cache.wouldStore(step, performance.now() - since, sameAs !== undefined))) continue
    await chroot.close()
    if (todo[todo.indexOf(step) + 1] === 'tree') await watch.beforeStore(step)
    await cache.storeTree(step, ctx.workspace, sameAs)
    since = performance.now()
  }
  await chroot.close()
  // Restored as the finished tree: nothing ran, nothing can be mounted; otherwise done above.
  if (!todo.includes('tree')) await unmountHookMounts(ctx)
}

/** The step whose stored archive the finished tree can share; why not, in the log. */
function sharedStep(verdict: Verdict, ctx: BuildContext): TreeStep | undefined {
  if (verdict.unchanged) return verdict.since
  if (verdict.reason !== NOT_WATCHED)
    ctx.reporter.emit({
      kind: 'info',
      message: `Cache: the finished tree is packed again: ${verdict.reason}`,
    })
  return undefined
}

/**
 * The chroot session of the install phases, the apt download cache while packages are
 * installed and the initramfs cache for post-install.d: opened when a phase needs them, closed
 * to store a step.
 */
class ChrootSlot implements AsyncDisposable {
  readonly #ctx: BuildContext
  readonly #caches: TreeStepCaches
  #session: ChrootSession | undefined
  #debs: AsyncDisposable | undefined
  #initramfs: AsyncDisposable | undefined

  constructor(ctx: BuildContext, caches: TreeStepCaches) {
    this.#ctx = ctx
    this.#caches = caches
  }

  /** Open the chroot and mount the caches asked for; one not asked for is released if it was. */
  async open(debs: boolean, initramfs: boolean): Promise<void> {
    this.#session ??= releasedWithHint(
      await openChroot(rootTreeDir(this.#ctx), hooksDir(this.#ctx), resourceDeps(this.#ctx)),
    )
    const plans = this.#caches
    if (debs && plans.debs !== undefined)
      this.#debs ??= releasedWithHint(await mountDebCache(this.#ctx, plans.debs))
    else await this.#releaseDebs()
    if (initramfs && plans.initramfs !== undefined)
      this.#initramfs ??= releasedWithHint(await mountInitramfsCache(this.#ctx, plans.initramfs))
    else await this.#releaseInitramfs()
  }

  async #releaseDebs(): Promise<void> {
    const debs = this.#debs
    this.#debs = undefined
    if (debs !== undefined) await debs[Symbol.asyncDispose]()
  }

  async #releaseInitramfs(): Promise<void> {
    const initramfs = this.#initramfs
    this.#initramfs = undefined
    if (initramfs !== undefined) await initramfs[Symbol.asyncDispose]()
  }

  /** Processes left in the chroot are stopped first (with the session), then the caches go. */
  async close(): Promise<void> {
    const session = this.#session
    this.#session = undefined
    try {
      if (session !== undefined) await session[Symbol.asyncDispose]()
    } finally {
      try {
        await this.#releaseInitramfs()
      } finally {
        await this.#releaseDebs()
      }
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * What hooks left mounted in the tree (DIB's dpkg element bind-mounts an apt cache) is
 * unmounted before the tree moves, as DIB does, or its contents would land in the image.
 */
async function unmountHookMounts(ctx: BuildContext): Promise<void> {
  const root = rootTreeDir(ctx)
  for (const target of await mountsBelow(root, ctx.resourceRunner)) {
    if (target !== root) await unmount(target, resourceDeps(ctx))
  }
}
