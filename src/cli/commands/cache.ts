// `imagewright cache ls` and `imagewright cache prune`: the step cache below DIB_IMAGE_CACHE.
import type { Command } from '@commander-js/extra-typings'
import { cacheMaxBytes } from '../../cache/cache-policy.ts'
import { StepStore } from '../../cache/store.ts'
import { formatBytes, parseSize } from '../../util/size.ts'
import { examplesHelp } from '../help-examples.ts'
import { readSetting } from '../../config/settings.ts'

export function addCacheCommands(root: Command, run: (work: Promise<number>) => void): void {
  const cache = root
    .command('cache')
    .description(
      'List or prune the build-step cache (finished images and root trees) in DIB_IMAGE_CACHE',
    )
    .addHelpText(
      'after',
      examplesHelp([
        ['imagewright cache ls', 'what is cached, with sizes, most recently used first'],
        [
          'imagewright cache prune --max-size 2GiB',
          'keep the most recently used entries that fit in 2 GiB',
        ],
        [
          'disk-image-create --no-cache -o debian debian-minimal vm',
          'build without reusing or storing any step',
        ],
      ]),
    )
  cache
    .command('ls')
    .description('List cached steps, most recently used first')
    .option(
      '--image-cache <dir>',
      'the image cache (default $DIB_IMAGE_CACHE or ~/.cache/image-create)',
    )
    .addHelpText(
      'after',
      examplesHelp([
        ['imagewright cache ls', 'every entry: step, key, size, last use'],
        [
          'imagewright cache ls --image-cache /var/cache/images',
          'the cache of another DIB_IMAGE_CACHE',
        ],
      ]),
    )
    .action((opts) => run(cacheLsCommand(opts)))
  cache
    .command('prune')
    .description('Remove least recently used entries until the cache fits the limit')
    .option(
      '--image-cache <dir>',
      'the image cache (default $DIB_IMAGE_CACHE or ~/.cache/image-create)',
    )
    .option(
      '--max-size <size>',
      'the limit, e.g. 5GiB (default $IMAGEWRIGHT_CACHE_MAX_SIZE or 10GiB)',
    )
    .option('--all', 'remove every entry')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright cache prune --max-size 2GiB',
          'keep the most recently used entries that fit in 2 GiB',
        ],
        ['imagewright cache prune --all', 'empty the step cache (bootstrap tarballs stay)'],
      ]),
    )
    .action((opts) => run(cachePruneCommand(opts)))
}

export function imageCacheDir(
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return given ?? readSetting(env, 'imageCache')
}

export async function cacheLsCommand(opts: { readonly imageCache?: string }): Promise<number> {
  const store = new StepStore(imageCacheDir(opts.imageCache))
  const entries = await store.list()
  if (entries.length === 0) {
    process.stdout.write(`The step cache ${store.root} is empty\n`)
    return 0
  }
  const total = await store.diskBytes(entries)
  process.stdout.write(
    `${store.root}: ${entries.length} entries, ${formatBytes(total)} (most recently used first)\n`,
  )
  for (const { manifest, lastUsed } of entries) {
    process.stdout.write(
      `  ${manifest.key.slice(0, 12)}  ${manifest.step.padEnd(5)}  ${formatBytes(manifest.bytes).padStart(10)}  used ${lastUsed.toISOString()}  ${manifest.what}\n`,
    )
  }
  return 0
}

export async function cachePruneCommand(opts: {
  readonly imageCache?: string
  readonly maxSize?: string
  readonly all?: boolean
}): Promise<number> {
  const store = new StepStore(imageCacheDir(opts.imageCache))
  const limit =
    opts.all === true
      ? 0
      : opts.maxSize !== undefined
        ? parseSize(opts.maxSize)
        : cacheMaxBytes(process.env)
  const removed = await store.prune(limit)
  const freed = removed.reduce((sum, e) => sum + e.manifest.bytes, 0)
  process.stdout.write(
    `Removed ${removed.length} entries (${formatBytes(freed)}); limit ${formatBytes(limit)}\n`,
  )
  return 0
}
