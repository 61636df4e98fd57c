// Put every element's pkg-map into the image: the original file at /usr/share/pkg-map/<element>
// (where DIB puts it, for anything that reads it directly) and the table resolved for this
// build at /usr/share/pkg-map/.resolved/<element>, which the bash `pkg-map` command reads.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ElementLocation } from '../element-dirs.ts'
import { loadPkgMaps } from './load-maps.ts'
import type { MapTarget } from './resolve.ts'
import { formatResolvedTable } from './table-format.ts'

export const PKG_MAP_DIR = 'usr/share/pkg-map'
export const RESOLVED_DIR = '.resolved'

/** Writes the maps under targetRoot and returns the elements that have one. */
export async function installPkgMaps(
  locations: readonly ElementLocation[],
  target: MapTarget,
  targetRoot: string,
): Promise<string[]> {
  const maps = await loadPkgMaps(locations, target)
  const mapDir = join(targetRoot, PKG_MAP_DIR)
  const resolvedDir = join(mapDir, RESOLVED_DIR)
  await mkdir(resolvedDir, { recursive: true, mode: 0o755 })
  for (const map of maps) {
    await writeFile(join(mapDir, map.element), map.text, { mode: 0o644 })
    await writeFile(join(resolvedDir, map.element), formatResolvedTable(map.table, target), {
      mode: 0o644,
    })
  }
  return maps.map((map) => map.element)
}
