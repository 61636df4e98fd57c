// Put every element's pkg-map into the image: the original file at /usr/share/pkg-map/<element>
// (where DIB puts it, for anything that reads it directly) and the table resolved for this
// build at /usr/share/pkg-map/.resolved/<element>, which the bash `pkg-map` command reads.
import { join } from 'node:path'
import { makeDirInTarget, writeFileInTarget } from '../../chroot/target-write.ts'
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
  await makeDirInTarget(targetRoot, join(PKG_MAP_DIR, RESOLVED_DIR))
  for (const map of maps) {
    await writeFileInTarget(targetRoot, join(PKG_MAP_DIR, map.element), map.text)
    await writeFileInTarget(
      targetRoot,
      join(PKG_MAP_DIR, RESOLVED_DIR, map.element),
      formatResolvedTable(map.table, target),
    )
  }
  return maps.map((map) => map.element)
}
