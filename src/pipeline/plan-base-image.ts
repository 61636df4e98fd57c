// The base image line of `imagewright plan` for builds whose root is a vendor's cloud image
// (ubuntu, redhat-common): its URL, the checksum published for it today and the cache's state.
import type { BuildOptions } from '../config/build-options.ts'
import { planBaseImage, type PlannedBaseImage } from '../element-tools/cloud-image/cache-state.ts'
import { redhatCloudImage } from '../element-tools/cloud-image/redhat-image.ts'
import { ubuntuCloudImage } from '../element-tools/cloud-image/ubuntu-image.ts'
import type { Runner } from '../exec/command.ts'
import type { PreparedElements } from './prepare-elements.ts'
import { plannedEnvironment } from './release-preflight.ts'

/** Undefined for builds that start from no downloaded image. */
export async function planCloudImage(
  options: BuildOptions,
  elements: PreparedElements,
  runner: Runner,
): Promise<PlannedBaseImage | undefined> {
  const list = elements.resolved.elements
  const ubuntu = list.some((e) => e.name === 'ubuntu')
  if (!ubuntu && !list.some((e) => e.name === 'redhat-common')) return undefined
  const final = await plannedEnvironment(options, elements, runner)
  if (!final.ok) return undefined
  if (!ubuntu) {
    const distro = final.env['DISTRO_NAME'] ?? ''
    const spec = await redhatCloudImage(distro, final.env, options.imageCache, options.offline)
    return spec === undefined ? undefined : planBaseImage(spec, options.offline)
  }
  const spec = ubuntuCloudImage(final.env)
  return spec.localImage === undefined ? planBaseImage(spec, options.offline) : undefined
}
