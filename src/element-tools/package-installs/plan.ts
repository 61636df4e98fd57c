// The package-installs pipeline, outside the chroot: read every element's files, evaluate them
// for this build, translate names through pkg-map and squash them into one plan per phase.
import type { ElementLocation } from '../element-dirs.ts'
import { loadPkgMaps, readMapTarget } from '../pkg-map/load-maps.ts'
import type { PkgMapTable } from '../pkg-map/resolve.ts'
import type { ToolEnv } from '../tool-env.ts'
import { collectRequests } from './collect.ts'
import { readInstallSources } from './read-sources.ts'
import { squashRequests, type SquashResult } from './squash.ts'

export interface PackagePlan {
  readonly result: SquashResult
  readonly warnings: readonly string[]
  /** Every file that contributed, in reading order (for logs). */
  readonly files: readonly string[]
}

export async function planPackageInstalls(
  locations: readonly ElementLocation[],
  env: ToolEnv,
): Promise<PackagePlan> {
  const sources = await readInstallSources(locations)
  const maps = await loadPkgMaps(locations, readMapTarget(env))
  const tables = new Map<string, PkgMapTable>(maps.map((map) => [map.element, map.table]))
  const { requests, warnings } = collectRequests(sources, { env, tables })
  return { result: squashRequests(requests), warnings, files: sources.map((source) => source.file) }
}
