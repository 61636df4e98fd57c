// What the image holds and how it was made, read from the event stream for the HTML report:
// packages, the disk layout, what takes the space, the boot console, and cache hits.
import type { BuildEvent, DiskLayoutInfo, PackageInfo, SpaceEntry, TimedEvent } from './events.ts'

export interface SpaceUsage {
  readonly totalBytes: number
  readonly directories: readonly SpaceEntry[]
  readonly packages: readonly SpaceEntry[]
}

export interface CacheHitRow {
  readonly offsetMs: number
  readonly cache: string
  readonly key: string
  readonly what: string
  readonly savedMs: number | undefined
}

export interface ImageContents {
  readonly packages: readonly PackageInfo[] | undefined
  readonly disk: DiskLayoutInfo | undefined
  readonly space: SpaceUsage | undefined
  /** Every line the booted guest printed on its serial console. */
  readonly console: readonly string[]
  readonly cacheHits: readonly CacheHitRow[]
}

function last<K extends BuildEvent['kind']>(
  events: readonly TimedEvent[],
  kind: K,
): Extract<BuildEvent, { kind: K }> | undefined {
  return events.findLast((e) => e.event.kind === kind)?.event as
    Extract<BuildEvent, { kind: K }> | undefined
}

export function collectContents(events: readonly TimedEvent[], origin: number): ImageContents {
  const space = last(events, 'space-usage')
  const console: string[] = []
  const cacheHits: CacheHitRow[] = []
  for (const { time, event } of events) {
    if (event.kind === 'output' && event.label === 'console') console.push(event.line)
    if (event.kind === 'cache-hit') {
      cacheHits.push({
        offsetMs: time - origin,
        cache: event.cache,
        key: event.key,
        what: event.what,
        savedMs: event.savedMs,
      })
    }
  }
  return {
    packages: last(events, 'packages')?.packages,
    disk: last(events, 'disk-layout')?.disk,
    space:
      space === undefined
        ? undefined
        : {
            totalBytes: space.totalBytes,
            directories: space.directories,
            packages: space.packages,
          },
    console,
    cacheHits,
  }
}
