// Read the `pkg-map` file of each element from the directory the build uses for it (what DIB
// copies to /usr/share/pkg-map/<element>) and resolve it for the build's distro and release.
import { join } from 'node:path'
import type { ElementLocation } from '../element-dirs.ts'
import { dataPositions, parseDataText } from '../data-file.ts'
import { readOptionalText } from '../optional-fs.ts'
import { readSetting, type ToolEnv } from '../tool-env.ts'
import { resolvePkgMap, type MapTarget, type PkgMapTable } from './resolve.ts'

export interface LoadedPkgMap {
  readonly element: string
  readonly file: string
  /** The file as the element ships it, copied unchanged into the image. */
  readonly text: string
  readonly table: PkgMapTable
}

export function readMapTarget(env: ToolEnv): MapTarget {
  return { distro: readSetting(env, 'DISTRO_NAME'), release: readSetting(env, 'DIB_RELEASE') }
}

export async function loadPkgMaps(
  locations: readonly ElementLocation[],
  target: MapTarget,
): Promise<LoadedPkgMap[]> {
  const loaded: LoadedPkgMap[] = []
  for (const location of locations) {
    const file = join(location.dir, 'pkg-map')
    const text = await readOptionalText(file)
    if (text === undefined) continue
    const table = resolvePkgMap(parseDataText(text, file), target, file, dataPositions(text, file))
    loaded.push({ element: location.name, file, text, table })
  }
  return loaded
}
