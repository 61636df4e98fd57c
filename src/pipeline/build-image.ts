// The build, as a table of contents. Each step lives in its domain folder; this file only says
// in which order they happen and which resources each block owns. Resources are scoped with
// `await using`, so they are released in reverse order on success, failure and Ctrl-C alike.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openChroot } from '../chroot/chroot.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { ProcessRunner, hostEnv } from '../exec/run.ts'
import type { Reporter } from '../report/events.ts'
import { failureOf } from '../report/outcome.ts'
import { type BuildContext, hooksDir, resourceDeps, rootTreeDir } from './context.ts'
import { checkBlockDevicesBuildable } from '../blockdevice/run/create.ts'
import { assembleDisk, exportDiskSettings, planDisk } from './disk.ts'
import { checkEnvironmentFiles } from '../phases/check-environment-files.ts'
import { initialExports, lockfilesDir } from './exported-env.ts'
import { finaliseTree } from '../hygiene/tree-hygiene.ts'
import { makePhaseRunner } from './phase-runner.ts'
import { resolveBuildElements } from './prepare-elements.ts'
import { stageBuildHooks } from './restage-hooks.ts'
import { runTreeSteps } from './tree-steps.ts'
import { debCachePlan } from './deb-cache-mount.ts'
import { initramfsCachePlan } from './initramfs-cache-mount.ts'
import { checkHost } from './preflight.ts'
import { newBuildId, openWorkspace } from './workspace.ts'
import { writeDiskArtifacts, writeTreeArtifacts } from './artifacts.ts'
import { timed } from './timed.ts'
import { checkRelease } from './release-preflight.ts'
import { describeRelease } from '../element-tools/debian-release/shell-facts.ts'
import { bootCheckArtifacts, bootCheckRamdisk } from './boot-check.ts'
import { enforceHygiene } from '../hygiene/hygiene.ts'
import { hostResolvConf } from '../chroot/target-files.ts'
import { GRAPH_DUMP_PATH, graphDot } from '../blockdevice/config/graph-dot.ts'
import { extraTeardown } from './extra-teardown.ts'
import {
  BUILTINS_VIEW_DIR,
  exportedSearchPath,
  stageBuiltinsView,
} from '../elements/builtins-view.ts'
import { showImageUsage } from './image-usage.ts'

/** The element whose presence means the build's disk image is not wanted (tree outputs stay). */
const NO_FINAL_IMAGE = 'no-final-image'
import { ReleaseFailedError, isBuilderError } from '../errors.ts'
import { releasedWithHint, settleBuildError } from '../util/release-errors.ts'
import { takeInventory, writeSboms } from './inventory.ts'
import type { ImageInventory } from '../inventory/read-inventory.ts'
import { watchElementOutputs } from './element-outputs.ts'
import { finishRamdiskBuild } from './ramdisk-build.ts'
import { openStepCache } from '../cache/open-step-cache.ts'
import { logArtifacts } from '../cache/artifact-log.ts'
import { readSetting } from '../config/settings.ts'

export interface BuildDeps {
  readonly reporter: Reporter
  readonly signal: AbortSignal
}

export interface BuildResult {
  /** Paths of every file written, in the order they were written. */
  readonly artifacts: readonly string[]
}

/** The build, ending with one build-end event whatever happens (reports read the outcome there). */
export async function buildImage(options: BuildOptions, deps: BuildDeps): Promise<BuildResult> {
  const started = performance.now()
  try {
    const result = await buildSteps(options, deps)
    deps.reporter.emit({ kind: 'build-end', ok: true, durationMs: performance.now() - started })
    return result
  } catch (error) {
    const reason = endReason(error, deps.signal)
    deps.reporter.emit({
      kind: 'build-end',
      ok: false,
      durationMs: performance.now() - started,
      error: failureOf(reason),
    })
    throw reason
  }
}

/** After Ctrl-C the error is whatever the killed command threw: the signal says why. */
function endReason(error: unknown, signal: AbortSignal): unknown {
  const settled = settleBuildError(error)
  if (!signal.aborted) return settled
  if (!(settled instanceof ReleaseFailedError)) return signal.reason
  return isBuilderError(signal.reason)
    ? new ReleaseFailedError(signal.reason, settled.releaseFailures, error)
    : settled
}

async function buildSteps(options: BuildOptions, deps: BuildDeps): Promise<BuildResult> {
  const outputs = logArtifacts(deps.reporter)
  const { reporter } = outputs
  const { signal } = deps
  const buildId = newBuildId()
  const runner = new ProcessRunner({ reporter, signal, baseEnv: hostEnv(), buildId })
  // Tagged apart: what it starts lives as long as the resource it makes (a FUSE mount's daemon
  // goes when the mount is released), so the sweep for stray processes must not find it.
  const resourceRunner = new ProcessRunner({ reporter, baseEnv: hostEnv(), resourceOf: buildId })
  await checkHost(options)
  const elements = await timed(reporter, 'resolve elements', () =>
    resolveBuildElements(options, reporter),
  )
  // Everything the inputs alone can tell is checked before the host is touched.
  const disk = await planDisk(options, elements.resolved, reporter)
  if (readSetting(options.env, 'dumpConfigGraph')) {
    await writeFile(GRAPH_DUMP_PATH, graphDot(disk.plan))
    reporter.emit({
      kind: 'info',
      message: `Block-device graph written to ${GRAPH_DUMP_PATH} (DUMP_CONFIG_GRAPH)`,
    })
  }
  await checkBlockDevicesBuildable(disk.plan, { runner: resourceRunner })
  await checkEnvironmentFiles(elements.resolved.elements, runner)
  const release = await checkRelease(options, elements, runner, reporter)
  await mkdir(options.imageCache, { recursive: true })
  await mkdir(lockfilesDir(options), { recursive: true })
  // An unchanged build is its stored image (src/cache/: keys, hits and misses are events).
  const cache = await openStepCache(options, elements.resolved.elements, release, {
    reporter,
    runner,
  })
  const reused = await cache.reuseImage()
  if (reused !== undefined) {
    if (options.bootTest)
      await timed(reporter, 'boot test', () =>
        bootCheckArtifacts({ runner, reporter, signal }, reused, {
          firmware: disk.hasEfiLayout ? 'uefi' : 'bios',
          sectorSize: disk.sectorSize,
        }),
      )
    return { artifacts: reused }
  }
  await using opened = releasedWithHint(
    await openWorkspace(options, buildId, { runner: resourceRunner, reporter }),
  )
  const ctx: BuildContext = {
    options,
    buildId,
    runner,
    resourceRunner,
    reporter,
    signal,
    journal: opened.journal,
    workspace: opened.workspace,
    exported: initialExports(
      options,
      opened.workspace,
      elements.resolved,
      exportedSearchPath(options.elementsPath, opened.workspace.buildDir),
    ),
  }
  // 1. The root tree, built in a plain directory.
  // DIB makes the (empty, root-owned) tree directory before root.d: elements extract into it.
  await mkdir(rootTreeDir(ctx), { mode: 0o755 })
  const restored = await cache.restoreTree(ctx.workspace)
  // A restored build directory holds the hooks staged when it was stored; the later phases'
  // scripts may have changed since (they are not part of the earlier step's key), so the
  // current elements' hooks replace them (stageBuildHooks keeps what hooks wrote there).
  if (restored !== undefined)
    await rm(join(opened.workspace.buildDir, BUILTINS_VIEW_DIR), { recursive: true, force: true })
  await stageBuiltinsView(opened.workspace.buildDir, elements.builtins)
  reporter.emit({
    kind: 'info',
    message: `Elements: ${elements.resolved.elements.map((e) => e.name).join(' ')}`,
  })
  if (release !== undefined)
    reporter.emit({ kind: 'info', message: `Debian release: ${describeRelease(release)}` })
  exportDiskSettings(ctx.exported, disk)
  const tree = await stageBuildHooks(elements, opened.workspace.buildDir, hooksDir(ctx))
  const phase = makePhaseRunner(ctx, tree)
  // root.d to post-root.d, from the step restored; each step's result stored (src/cache/).
  const debCache = debCachePlan(
    options,
    elements.resolved.elements.map((e) => e.name),
    release?.distro,
  )
  const initramfsCache = initramfsCachePlan(
    options,
    elements.resolved.elements.map((e) => e.name),
  )
  await runTreeSteps(ctx, tree, phase, cache, restored, {
    debs: debCache,
    initramfs: initramfsCache,
  })
  if (options.ramdiskElement !== undefined) {
    const written = await finishRamdiskBuild(ctx, phase)
    if (options.bootTest) await bootCheckRamdisk(ctx, written)
    return { artifacts: written }
  }
  // DIB keeps TMP_MOUNT_PATH pointing at "mnt": the tree moves aside and the disk mounts there.
  const builtTree = join(ctx.workspace.buildDir, 'built')
  await rename(rootTreeDir(ctx), builtTree)
  await phase('block-device', builtTree)
  await showImageUsage(ctx, builtTree)

  // 2. The disk: partitions and filesystems, the tree copied in, finalised in place.
  // Files cleanup.d scripts write beside the image (baremetal, iso) go again if a later step fails.
  await using elementOutputs = await watchElementOutputs(options.imageName)
  const artifacts: string[] = []
  let rawImage: string
  let inventory: ImageInventory
  {
    await using _extra = extraTeardown(ctx)
    await using mounted = releasedWithHint(await assembleDisk(ctx, disk, builtTree))
    {
      await using _chroot = releasedWithHint(
        await openChroot(mounted.rootPath, hooksDir(ctx), resourceDeps(ctx)),
      )
      await phase('pre-finalise', mounted.rootPath)
      await phase('finalise', mounted.rootPath)
    }
    await phase('cleanup', mounted.rootPath)
    await finaliseTree(mounted.rootPath)
    await enforceHygiene({
      root: mounted.rootPath,
      env: options.env,
      hostResolvConf: await hostResolvConf(),
      reporter,
    })
    inventory = await timed(reporter, 'inventory the image', () =>
      takeInventory(ctx, mounted.rootPath),
    )
    artifacts.push(
      ...(await timed(reporter, 'pack the tree', () => writeTreeArtifacts(ctx, mounted.rootPath))),
    )
    await mounted.makeReproducible()
    rawImage = mounted.imagePath
  }
  // 3. Disk formats from the unmounted raw image, unless an element says there is none; the SBOMs beside them.
  if (elements.resolved.elements.some((e) => e.name === NO_FINAL_IMAGE)) {
    reporter.emit({ kind: 'info', message: `Element ${NO_FINAL_IMAGE}: no disk image is written` })
  } else {
    artifacts.push(
      ...(await timed(reporter, 'convert the image', () => writeDiskArtifacts(ctx, rawImage))),
    )
  }
  artifacts.push(...(await elementOutputs.written()))
  elementOutputs.keep()
  writeSboms(ctx, inventory)
  await cache.storeImage([...artifacts, ...outputs.paths()])
  if (options.bootTest)
    await timed(reporter, 'boot test', () =>
      bootCheckArtifacts(ctx, artifacts, {
        firmware: disk.hasEfiLayout ? 'uefi' : 'bios',
        sectorSize: disk.sectorSize,
      }),
    )
  return { artifacts }
}
