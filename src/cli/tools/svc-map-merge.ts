// svc-map-merge: merge every element's svc-map into the image's /usr/share/svc-map/services,
// resolved for DISTRO_NAME (called by svc-map's extra-data.d).
import { locateElements, readElementQuery } from '../../element-tools/element-dirs.ts'
import { installServiceMap } from '../../element-tools/svc-map/install-services.ts'
import { readSetting } from '../../element-tools/tool-env.ts'
import { runTool } from './run-tool.ts'

const USAGE = `Usage: svc-map-merge [--elements "NAME..."] [--path DIR:DIR] TARGET_ROOT
Merges the svc-map file of every element into TARGET_ROOT/usr/share/svc-map/services for
DISTRO_NAME. Elements default to IMAGE_ELEMENT with directories from IMAGE_ELEMENT_YAML or
ELEMENTS_PATH.`

await runTool('svc-map-merge', USAGE, async (args, out) => {
  const locations = locateElements(readElementQuery(args, process.env))
  const distro = readSetting(process.env, 'DISTRO_NAME')
  const count = await installServiceMap(locations, distro, args.output)
  out.info(`mapped ${count} service(s) for distro "${distro ?? ''}"`)
})
