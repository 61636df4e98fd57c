// Whether the step cache is used and how large it may grow: --no-cache / IMAGEWRIGHT_NO_CACHE,
// IMAGEWRIGHT_CACHE_MAX_SIZE (a size such as "20GiB"; 10 GiB by default).
import type { BuildOptions } from '../config/build-options.ts'
import { readSetting } from '../config/settings.ts'


export function cacheEnabled(options: Pick<BuildOptions, 'noCache' | 'env'>): boolean {
  return options.noCache !== true && !readSetting(options.env, 'noCache')
}

export function cacheMaxBytes(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'cacheMaxBytes')
}
