// Whether the step cache is used and how large it may grow: --no-cache / IMAGEWRIGHT_NO_CACHE,
// IMAGEWRIGHT_CACHE_MAX_SIZE (a size such as "20GiB"; 10 GiB by default).
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
