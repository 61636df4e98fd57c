// Whether the step cache is used and how large it may grow: --no-cache / IMAGEWRIGHT_NO_CACHE,
// IMAGEWRIGHT_CACHE_MAX_SIZE (a size such as "20GiB"; 10 GiB by default), and which
// intermediate steps are worth storing (IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS).
import type { BuildOptions } from '../config/build-options.ts'
import { readSetting } from '../config/settings.ts'
import type { TreeStep } from './step-keys.ts'

export function cacheEnabled(options: Pick<BuildOptions, 'noCache' | 'env'>): boolean {
  return options.noCache !== true && !readSetting(options.env, 'noCache')
}

export function cacheMaxBytes(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'cacheMaxBytes')
}

/**
 * A tree step after root.d is stored only when the phases since the last step stored or
 * restored took at least this long: re-running quicker phases after restoring that step costs
 * less than packing one more tree. root.d is always stored, and the finished tree whenever it
 * can be a link to the archive of the step before (unchanged-tree.ts).
 */
export function minStepMs(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'cacheMinStepSeconds') * 1000
}

/**
 * Whether a tree step is worth storing, when the phases since the last step stored or restored
 * took `tookMs` and the finished tree could be a link to the step before (`linked`).
 */
export function worthStoring(
  step: TreeStep,
  tookMs: number,
  linked: boolean,
  minMs: number,
): boolean {
  return step === 'root' || (step === 'tree' && linked) || tookMs >= minMs
}
