// Whether the step cache is used and how large it may grow: --no-cache / IMAGEWRIGHT_NO_CACHE,
// IMAGEWRIGHT_CACHE_MAX_SIZE (a size such as "20GiB"; 10 GiB by default), and which
// intermediate steps are worth storing (IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS).
import type { BuildOptions } from '../config/build-options.ts'
import { readSetting } from '../config/settings.ts'

export function cacheEnabled(options: Pick<BuildOptions, 'noCache' | 'env'>): boolean {
  return options.noCache !== true && !readSetting(options.env, 'noCache')
}

export function cacheMaxBytes(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'cacheMaxBytes')
}

/**
 * An intermediate tree step (after install.d, after post-install.d) is stored only when its
 * phases took at least this long: re-running a quicker phase after restoring the step before
 * costs less than packing one more tree on every cold build. root.d and the finished tree are
 * always stored.
 */
export function minStepMs(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'cacheMinStepSeconds') * 1000
}
