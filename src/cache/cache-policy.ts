// Whether the step cache is used and how large it may grow: --no-cache / IMAGEWRIGHT_NO_CACHE,
// IMAGEWRIGHT_CACHE_MAX_SIZE (a size such as "20GiB"; 10 GiB by default), and which
// intermediate steps are worth storing (IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS).
import type { BuildOptions } from '../config/build-options.ts'
import { parseSize } from '../util/size.ts'

export const DEFAULT_MAX_BYTES = 10 * 1024 ** 3

export function cacheEnabled(options: Pick<BuildOptions, 'noCache' | 'env'>): boolean {
  const off = options.env['IMAGEWRIGHT_NO_CACHE']
  return options.noCache !== true && (off === undefined || off === '' || off === '0')
}

export function cacheMaxBytes(env: Readonly<Record<string, string | undefined>>): number {
  const spec = env['IMAGEWRIGHT_CACHE_MAX_SIZE']
  return spec === undefined || spec === '' ? DEFAULT_MAX_BYTES : parseSize(spec)
}

/**
 * An intermediate tree step (after install.d, after post-install.d) is stored only when its
 * phases took at least this long: re-running a quicker phase after restoring the step before
 * costs less than packing one more tree on every cold build. root.d and the finished tree are
 * always stored.
 */
export const DEFAULT_MIN_STEP_SECONDS = 8

export function minStepMs(env: Readonly<Record<string, string | undefined>>): number {
  const spec = env['IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS']
  const seconds = spec === undefined || spec === '' ? DEFAULT_MIN_STEP_SECONDS : Number(spec)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_MIN_STEP_SECONDS * 1000
}
