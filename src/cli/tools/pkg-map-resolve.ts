// pkg-map-resolve: copy each element's pkg-map into the image and resolve it for DISTRO_NAME and
// DIB_RELEASE, so the bash `pkg-map` command works inside the chroot (called by pkg-map's
// extra-data.d).
import { locateElements, readElementQuery } from '../../element-tools/element-dirs.ts'
import { installPkgMaps } from '../../element-tools/pkg-map/install-maps.ts'
import { readMapTarget } from '../../element-tools/pkg-map/load-maps.ts'
import { runTool } from './run-tool.ts'

const USAGE = `Usage: pkg-map-resolve [--elements "NAME..."] [--path DIR:DIR] TARGET_ROOT
Writes TARGET_ROOT/usr/share/pkg-map/<element> (the element's pkg-map as shipped) and
TARGET_ROOT/usr/share/pkg-map/.resolved/<element> (resolved for DISTRO_NAME and DIB_RELEASE).
Elements default to IMAGE_ELEMENT with directories from IMAGE_ELEMENT_YAML or ELEMENTS_PATH.`

await runTool('pkg-map-resolve', USAGE, async (args, out) => {
  const locations = locateElements(readElementQuery(args, process.env))
  const target = readMapTarget(process.env)
  const elements = await installPkgMaps(locations, target, args.output)
  const where = `distro "${target.distro ?? ''}" release "${target.release ?? ''}"`
  out.info(`resolved ${elements.length} pkg-map file(s) for ${where}: ${elements.join(' ') || '-'}`)
})
