// The release check of a build, run on the final environment with placeholder workspace paths
// (the workspace does not exist yet).
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { initialExports } from './exported-env.ts'
import { finalEnvironment, type FinalEnvironment } from './final-environment.ts'
import type { PreparedElements } from './prepare-elements.ts'
import { checkDebianRelease } from './release-check.ts'

export const PLACEHOLDER_WORKSPACE = { buildDir: '$TMP_BUILD_DIR', imageDir: '$TMP_IMAGE_DIR' }

/** The environment hooks will see, before the workspace exists (its paths as placeholders). */
export function plannedEnvironment(
  options: BuildOptions,
  elements: PreparedElements,
  runner: Runner,
): Promise<FinalEnvironment> {
  const exported = initialExports(
    options,
    PLACEHOLDER_WORKSPACE,
    elements.resolved,
    elements.searchPath,
  )
  return finalEnvironment(
    elements.resolved.elements,
    { base: options.env, exported, targetRoot: '$TMP_BUILD_DIR/mnt' },
    runner,
  )
}

export async function checkRelease(
  options: BuildOptions,
  elements: PreparedElements,
  runner: Runner,
  reporter: Reporter,
): Promise<ResolvedRelease | undefined> {
  const list = elements.resolved.elements
  // Only builds whose root debootstrap makes have a release to check.
  if (!list.some((e) => e.name === 'debootstrap')) return undefined
  const final = await plannedEnvironment(options, elements, runner)
  return checkDebianRelease(
    list.map((e) => e.name),
    final,
    (message) => reporter.emit({ kind: 'warning', message }),
  )
}
