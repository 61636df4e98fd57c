// `--element`: DIB elements applied to an opened image, the DIB_LOCAL_IMAGE flow for an image
// that already exists. The elements are resolved, staged and run by the build's own pieces
// (resolveBuildElements, stageHooks, makePhaseRunner): environment.d, then extra-data.d to
// finalise.d, then cleanup.d once the chroot is closed. root.d and block-device.d are not run:
// the image already has its root and its disk. An element named on the command line that has
// one of them is refused; one pulled in as a dependency has them skipped, and the log says so.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { stageBuiltinsView, exportedSearchPath } from '../elements/builtins-view.ts'
import type { ResolvedElement } from '../elements/resolve.ts'
import { ElementError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import { checkEnvironmentFiles } from '../phases/check-environment-files.ts'
import type { PhaseName } from '../phases/phase-table.ts'
import { initialExports } from '../pipeline/exported-env.ts'
import type { BuildContext, Workspace } from '../pipeline/context.ts'
import { makePhaseRunner, type PhaseRunner } from '../pipeline/phase-runner.ts'
import { resolveBuildElements, stageHooks } from '../pipeline/prepare-elements.ts'
import type { Reporter } from '../report/events.ts'
import type { ResourceJournal } from '../host/journal.ts'
import type { PackageManager } from './package-manager.ts'
import type { ElementRequest } from './request.ts'

/** Run at the place of the first --element, in the chroot session (host phases beside it). */
const INSTALL_PHASES: readonly PhaseName[] = [
  'extra-data',
  'pre-install',
  'install',
  'post-install',
  'post-root',
  'pre-finalise',
  'finalise',
]
/** They make a root tree or a disk; the image has both. */
const NOT_RUN: readonly PhaseName[] = ['root', 'block-device']

/**
 * What a build's `base` would bring for packages: package-installs (with install-bin and
 * pkg-map), and the family's install-packages provider. Only families with such an element here.
 */
const PACKAGE_ELEMENTS: Readonly<Record<PackageManager, readonly string[]>> = {
  apt: ['package-installs', 'dpkg'],
  dnf: ['package-installs', 'yum'],
  zypper: ['package-installs'],
}

export interface ElementRun {
  /** Host path of the staged hooks tree, bind-mounted read-only at /tmp/in_target.d. */
  readonly hooksDir: string
  readonly names: readonly string[]
  /** extra-data.d to finalise.d on the mounted image. */
  install(root: string): Promise<void>
  /** cleanup.d, once the chroot is closed. */
  cleanup(root: string): Promise<void>
}

/** Before the host is touched: the names resolve (deps included) and their environment.d parse. */
export async function checkElements(
  request: ElementRequest,
  reporter: Reporter,
  runner: Runner,
): Promise<void> {
  const prepared = await resolveBuildElements(
    { ...request.options, elements: request.names },
    reporter,
    false,
  )
  await refuseWholeBuildElements(prepared.resolved.elements, request.names)
  await checkEnvironmentFiles(prepared.resolved.elements, runner)
}

export interface ElementRunDeps {
  readonly buildId: string
  readonly runner: Runner
  readonly resourceRunner: Runner
  readonly reporter: Reporter
  readonly journal: ResourceJournal
  readonly signal: AbortSignal
  readonly workspace: Workspace
}

/**
 * Resolve the elements with the image's package elements, stage their hooks tree and the
 * built-ins view in the workspace, and bind the build's phase runner to them. The image is
 * mounted at the workspace's `mnt`, which is TMP_MOUNT_PATH, as in a build.
 */
export async function prepareElementRun(
  request: ElementRequest,
  image: {
    readonly manager: PackageManager | undefined
    readonly osRelease: Record<string, string>
  },
  deps: ElementRunDeps,
): Promise<ElementRun> {
  const extra = image.manager === undefined ? [] : PACKAGE_ELEMENTS[image.manager]
  const options = { ...request.options, elements: [...request.names, ...extra] }
  const prepared = await resolveBuildElements(options, deps.reporter, false)
  const elements = prepared.resolved.elements
  await refuseWholeBuildElements(elements, request.names)
  await stageBuiltinsView(deps.workspace.buildDir, prepared.builtins)
  const hooksDir = join(deps.workspace.buildDir, 'hooks')
  const tree = await stageHooks(prepared, hooksDir)
  const exported = initialExports(
    options,
    deps.workspace,
    prepared.resolved,
    exportedSearchPath(options.elementsPath, deps.workspace.buildDir),
  )
  // What the distribution element would have exported, from the image itself.
  for (const [name, field] of [
    ['DISTRO_NAME', 'ID'],
    ['DIB_RELEASE', 'VERSION_CODENAME'],
  ] as const) {
    const value = options.env[name] ?? image.osRelease[field]
    if (value !== undefined && value !== '') exported.set(name, value)
  }
  const ctx: BuildContext = { ...deps, options, exported }
  const phase: PhaseRunner = makePhaseRunner(ctx, tree)
  await reportSkipped(elements, deps.reporter)
  deps.reporter.emit({
    kind: 'info',
    message: `Elements: ${elements.map((e) => e.name).join(' ')}`,
  })
  return {
    hooksDir,
    names: request.names,
    install: async (root) => {
      for (const name of INSTALL_PHASES) await phase(name, root)
    },
    cleanup: (root) => phase('cleanup', root),
  }
}

async function phaseDirs(element: ResolvedElement): Promise<PhaseName[]> {
  const entries = await readdir(element.path).catch(() => [] as string[])
  return NOT_RUN.filter((name) => entries.includes(`${name}.d`))
}

/** An element asked for by name whose job is a root tree or a disk cannot apply to an image. */
async function refuseWholeBuildElements(
  elements: readonly ResolvedElement[],
  names: readonly string[],
): Promise<void> {
  for (const element of elements) {
    if (!names.includes(element.name)) continue
    const [found] = await phaseDirs(element)
    if (found !== undefined) {
      throw new ElementError(
        `Cannot apply element "${element.name}" to an existing image: it has ${found}.d hooks, which make a root tree or a disk`,
        {
          hint: 'customize runs extra-data.d to finalise.d and cleanup.d; build a new image for it',
        },
      )
    }
  }
}

/** The dependencies' root.d and block-device.d hooks are not run; say which. */
async function reportSkipped(
  elements: readonly ResolvedElement[],
  reporter: Reporter,
): Promise<void> {
  for (const element of elements) {
    const skipped = await phaseDirs(element)
    if (skipped.length === 0) continue
    reporter.emit({
      kind: 'info',
      message: `Not running ${skipped.map((name) => `${name}.d`).join(' and ')} of element "${element.name}": the image already has its root and disk`,
    })
  }
}
