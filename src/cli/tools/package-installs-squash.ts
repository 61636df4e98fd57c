// package-installs-squash: evaluate every element's package-installs files for this build and
// write the per-phase package lists into the image (called by package-installs' extra-data.d).
import { locateElements, readElementQuery } from '../../element-tools/element-dirs.ts'
import { planPackageInstalls } from '../../element-tools/package-installs/plan.ts'
import { planPathsFor, writePackagePlan } from '../../element-tools/package-installs/write-plan.ts'
import { runTool } from './run-tool.ts'

const USAGE = `Usage: package-installs-squash [--elements "NAME..."] [--path DIR:DIR] TARGET_ROOT|OUTPUT.json
Reads package-installs.json/.yaml (and legacy package-installs-<element> lists) of every element,
evaluates them for ARCH, DISTRO_NAME, DIB_RELEASE and DIB_* settings, maps names through pkg-map
and writes TARGET_ROOT/tmp/package-installs/<phase>.{install,uninstall} and
TARGET_ROOT/tmp/package-installs.json. Elements default to IMAGE_ELEMENT (or IMAGE_ELEMENT_YAML),
the path to ELEMENTS_PATH.`

await runTool('package-installs-squash', USAGE, async (args, out) => {
  const locations = locateElements(readElementQuery(args, process.env))
  const plan = await planPackageInstalls(locations, process.env)
  for (const warning of plan.warnings) out.warn(warning)
  for (const file of plan.files) out.info(`squashing ${file}`)
  const paths = planPathsFor(args.output)
  await writePackagePlan(plan.result, paths)
  for (const [phase, lists] of plan.result.phases) {
    out.info(
      `${phase}: install ${lists.install.join(' ') || '-'}; uninstall ${lists.uninstall.join(' ') || '-'}`,
    )
  }
  out.info(`wrote ${paths.json} and ${paths.listsDir}/`)
})
