// Merge the `svc-map` files of the build's elements into /usr/share/svc-map/services in the image,
// where the in-chroot `svc-map` command reads them. The file is written even when no element has
// a map, so the command can tell "no mapping" from "svc-map never ran".
import { join } from 'node:path'
import { writeFileInTarget } from '../../chroot/target-write.ts'
import { dataPositions, parseDataText } from '../data-file.ts'
import type { ElementLocation } from '../element-dirs.ts'
import { readOptionalText } from '../optional-fs.ts'
import { formatServices, mergeServiceMaps, type ServiceMapSource } from './merge.ts'

export const SERVICES_FILE = 'usr/share/svc-map/services'

export async function readServiceMaps(
  locations: readonly ElementLocation[],
): Promise<ServiceMapSource[]> {
  const sources: ServiceMapSource[] = []
  for (const location of locations) {
    const file = join(location.dir, 'svc-map')
    const text = await readOptionalText(file)
    if (text !== undefined)
      sources.push({
        element: location.name,
        file,
        data: parseDataText(text, file),
        positions: dataPositions(text, file),
      })
  }
  return sources
}

/** Writes the services file under targetRoot and returns how many services it maps. */
export async function installServiceMap(
  locations: readonly ElementLocation[],
  distro: string | undefined,
  targetRoot: string,
): Promise<number> {
  const services = mergeServiceMaps(await readServiceMaps(locations), distro)
  await writeFileInTarget(targetRoot, SERVICES_FILE, formatServices(services, distro))
  return services.length
}
