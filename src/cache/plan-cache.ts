// The cache lines of `imagewright plan`: per step, hit or miss and which input changed.
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { ResolvedElement } from '../elements/resolve.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { INITRAMFS_KIND } from './initramfs-store.ts'
import { openStepCache } from './open-step-cache.ts'
import type { StepStatus } from './step-cache.ts'
import { StepStore } from './store.ts'

export type PlannedCache =
  | {
      readonly steps: readonly StepStatus[]
      /** Stored initramfs images post-install.d would be offered, when it would run with them. */
      readonly initramfs?: { readonly stored: number }
    }
  | { readonly off: string }

/** post-install.d runs (and builds an initramfs) only when no step from it on is a hit. */
const RUN_POST_INSTALL_UNLESS_HIT = new Set(['post-install', 'tree', 'image'])

export async function planCache(
  options: BuildOptions,
  elements: readonly ResolvedElement[],
  release: ResolvedRelease | undefined,
  deps: { readonly reporter: Reporter; readonly runner: Runner },
  offersInitramfs: boolean,
): Promise<PlannedCache> {
  try {
    const cache = await openStepCache(options, elements, release, deps)
    if (cache.off !== undefined) return { off: cache.off }
    // One listing of the store for both: it reads every entry's manifest.
    const entries = await new StepStore(options.imageCache).list()
    const steps = cache.statuses(entries)
    if (!offersInitramfs || !runsPostInstall(steps)) return { steps }
    const stored = entries.filter((entry) => entry.manifest.step === INITRAMFS_KIND).length
    return { steps, initramfs: { stored } }
  } catch (error) {
    return {
      off: `cannot read the cache: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
}

export function runsPostInstall(steps: readonly StepStatus[]): boolean {
  return !steps.some((s) => s.hit && RUN_POST_INSTALL_UNLESS_HIT.has(s.step))
}

export function renderPlannedCache(planned: PlannedCache): string[] {
  if ('off' in planned) return [`Cache: not used (${planned.off})`]
  const lines = ['Cache (steps a build would take from DIB_IMAGE_CACHE):']
  for (const s of planned.steps) {
    const reason = s.reason === undefined ? '' : `  ${s.reason}`
    lines.push(`  ${s.step.padEnd(12)}  ${s.hit ? 'hit ' : 'miss'}  ${s.key.slice(0, 12)}${reason}`)
    if (s.step === 'post-install' && planned.initramfs !== undefined)
      lines.push(initramfsLine(planned.initramfs.stored))
  }
  return lines
}

// Its key hashes files of the tree post-install.d leaves, so only the build itself can tell.
function initramfsLine(stored: number): string {
  const label = `    ${'initramfs'.padEnd(12)}`
  return stored === 0
    ? `${label}none stored: post-install.d builds it and stores it`
    : `${label}${stored} stored: post-install.d reuses one whose inputs match (kernel, modules, config, hooks)`
}
