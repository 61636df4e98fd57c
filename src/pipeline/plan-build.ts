// `imagewright plan`: everything a build would do, decided without doing it: the resolved
// elements and who pulled each in, every phase's scripts in run order, the environment the
// scripts will see, and the block-device graph with the commands it would run.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { planCommandsForDisplay, formatDisplaySteps } from '../blockdevice/run/display.ts'
import { nodeDeviceHost } from '../blockdevice/run/device-host.ts'
import { findFuseTypes } from '../blockdevice/run/fuse-mount.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { PHASE_TABLE } from '../phases/phase-table.ts'
import { silentReporter, type Reporter } from '../report/events.ts'
import { readBlockDeviceConfig, rootFsParams } from '../blockdevice/assemble/disk-config.ts'
import { initialExports } from './exported-env.ts'
import { exportedSearchPath } from '../elements/builtins-view.ts'
import { listPhase } from '../phases/phase-inputs.ts'
import { BUILD_OUTLINE, type OutlineStep } from './outline.ts'
import { runPartsRegex } from './phase-runner.ts'
import { resolveBuildElements, stageHooks } from './prepare-elements.ts'
import { planRelease } from './plan-release.ts'
import { planCloudImage } from './plan-base-image.ts'
import type { PlannedBaseImage } from '../element-tools/cloud-image/cache-state.ts'
import { PLACEHOLDER_WORKSPACE } from './release-preflight.ts'
import { planCache, type PlannedCache } from '../cache/plan-cache.ts'
import { initramfsCachePlan } from './initramfs-cache-mount.ts'
import { ProcessRunner, hostEnv } from '../exec/run.ts'
import { REDACTED, isSecretName, makeRedactor } from '../util/secrets.ts'

export interface PlannedElement {
  readonly name: string
  readonly path: string
  readonly pulledBy: readonly string[]
  readonly requested: boolean
  readonly provides: readonly string[]
}

export interface PlannedPhase {
  readonly phase: string
  readonly side: 'host' | 'chroot'
  readonly scripts: readonly { readonly script: string; readonly element: string }[]
}

export interface BuildPlan {
  readonly elements: readonly PlannedElement[]
  readonly outline: readonly OutlineStep[]
  readonly phases: readonly PlannedPhase[]
  readonly environmentFiles: readonly string[]
  readonly environment: Readonly<Record<string, string>>
  readonly blockDevice: {
    readonly config: string
    readonly nodes: readonly { readonly name: string; readonly kind: string }[]
    readonly commands: string
  }
  readonly warnings: readonly string[]
  /** The Debian release a Debian build makes ("stable → trixie (13.8), archive of ..."), or why it cannot. */
  readonly release?: string
  /** The cloud image the root is unpacked from (the ubuntu element): URL, checksum, cache state. */
  readonly baseImage?: PlannedBaseImage
  /** Per cached step: hit or miss, and for a miss which input changed. */
  readonly cache: PlannedCache
}

const PLACEHOLDER_SIZE = 2 * 1024 ** 3

export async function planBuild(options: BuildOptions): Promise<BuildPlan> {
  const warnings: string[] = []
  const reporter: Reporter = {
    emit: (e) => (e.kind === 'warning' ? warnings.push(e.message) : silentReporter.emit(e)),
  }
  const elements = await resolveBuildElements(options, reporter)
  const scratch = await mkdtemp(join(tmpdir(), 'imagewright-plan-'))
  try {
    const tree = await stageHooks(elements, join(scratch, 'hooks'))
    const phases: PlannedPhase[] = []
    let environmentFiles: readonly string[] = []
    for (const phase of PHASE_TABLE) {
      const listing = await listPhase(tree, phase, runPartsRegex(options.env), reporter)
      environmentFiles = listing.envFiles
      phases.push({
        phase: phase.dir,
        side: phase.side,
        scripts: listing.scripts.map((s) => ({ script: s.name, element: s.element })),
      })
    }
    const root = rootFsParams(options)
    const plan = await readBlockDeviceConfig(options, elements.resolved, root)
    warnings.push(...plan.warnings)
    const steps = planCommandsForDisplay(
      plan,
      {
        ...root,
        imageDir: '$TMP_IMAGE_DIR',
        imageSizeBytes: options.imageSizeBytes ?? PLACEHOLDER_SIZE,
        mountBase: '$TMP_BUILD_DIR/mnt',
      },
      { teardown: true, fuseTypes: await findFuseTypes(plan, nodeDeviceHost) },
    )
    const exported = initialExports(
      options,
      PLACEHOLDER_WORKSPACE,
      elements.resolved,
      exportedSearchPath(options.elementsPath, PLACEHOLDER_WORKSPACE.buildDir),
    )
    const {
      line: release,
      release: resolvedRelease,
      refused,
    } = await planRelease(options, elements, reporter)
    const runner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
    const baseImage = await planCloudImage(options, elements, runner)
    const cache = refused
      ? { off: 'the build would be refused' }
      : await planCache(
          options,
          elements.resolved.elements,
          resolvedRelease,
          { reporter, runner },
          initramfsCachePlan(
            options,
            elements.resolved.elements.map((e) => e.name),
          ) !== undefined,
        )
    return {
      ...(release === undefined ? {} : { release }),
      ...(baseImage === undefined ? {} : { baseImage }),
      cache,
      elements: elements.resolved.elements.map((e) => ({
        name: e.name,
        path: e.path,
        pulledBy: e.pulledBy,
        requested: e.requested,
        provides: e.provides,
      })),
      outline: BUILD_OUTLINE,
      phases,
      environmentFiles,
      environment: redactedEnvironment(
        [...exported].filter(([key]) => !key.startsWith('BASH_FUNC')),
        options.env,
      ),
      blockDevice: {
        config: plan.file,
        nodes: plan.order.map((n) => ({ name: n.name, kind: n.kind })),
        commands: formatDisplaySteps(steps),
      },
      warnings,
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/**
 * What plan shows of the exported environment: a secret-named variable's value is "***",
 * wherever it appears (in DIB_ENV's `declare -x` lines too, quoted as the shell quotes it).
 */
export function redactedEnvironment(
  entries: readonly (readonly [string, string])[],
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  const redact = makeRedactor(env)
  const declared = /^(declare -x (\w+)=)(.*)$/gm
  return Object.fromEntries(
    entries.map(([key, value]) => [
      key,
      isSecretName(key)
        ? REDACTED
        : redact(value).replace(declared, (line, head: string, name: string) =>
            isSecretName(name) ? `${head}"${REDACTED}"` : line,
          ),
    ]),
  )
}
