// The cache lines of `imagewright plan`: per step, hit or miss and which input changed.
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { ResolvedElement } from '../elements/resolve.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { openStepCache } from './open-step-cache.ts'
import type { StepStatus } from './step-cache.ts'

export type PlannedCache = { readonly steps: readonly StepStatus[] } | { readonly off: string }

export async function planCache(
  options: BuildOptions,
  elements: readonly ResolvedElement[],
  release: ResolvedRelease | undefined,
  deps: { readonly reporter: Reporter; readonly runner: Runner },
): Promise<PlannedCache> {
  try {
    const cache = await openStepCache(options, elements, release, deps)
    return cache.off === undefined ? { steps: await cache.statuses() } : { off: cache.off }
  } catch (error) {
    return {
      off: `cannot read the cache: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
}

export function renderPlannedCache(planned: PlannedCache): string[] {
  if ('off' in planned) return [`Cache: not used (${planned.off})`]
  return [
    'Cache (steps a build would take from DIB_IMAGE_CACHE):',
    ...planned.steps.map(
      (s) =>
        `  ${s.step.padEnd(12)}  ${s.hit ? 'hit ' : 'miss'}  ${s.key.slice(0, 12)}${s.reason === undefined ? '' : `  ${s.reason}`}`,
    ),
  ]
}
