// `imagewright customize`, as a table of contents: the seed's manual flow (copy, attach, mount,
// chroot with the host's resolver, package manager, unmount) done with the build's own pieces.
// The input is only read: the work happens on a raw copy in a journaled workspace, and the
// result replaces the target by a rename once it is complete. Every resource is scoped with
// `await using`, so it is released in reverse order on success, failure and signals alike.
import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { newBuildId, openWorkspace } from '../pipeline/workspace.ts'
import { enforceHygiene } from '../hygiene/hygiene.ts'
import { openChroot } from '../chroot/chroot.ts'
import { hostResolvConf } from '../chroot/target-files.ts'
import { InterruptedError, ReleaseFailedError, UsageError, isBuilderError } from '../errors.ts'
import { ProcessRunner, hostEnv } from '../exec/run.ts'
import { requireRoot, requireTools } from '../host/host-tools.ts'
import type { Reporter } from '../report/events.ts'
import { releasedWithHint, settleBuildError } from '../util/release-errors.ts'
import { inspectImage, makeWorkingCopy, outputFormat, writeResult } from './image-file.ts'
import { openImage } from './open-image.ts'
import { applyOperation, checkLocalFiles } from './operations.ts'
import type { CustomizeRequest, Operation } from './request.ts'
import { checkElements, prepareElementRun, type ElementRun } from './apply-elements.ts'
import {
  growDiskFile,
  grownSize,
  growRootFilesystem,
  growUnmounted,
  type GrownDisk,
} from './grow-disk.ts'
import { packageManagerFor, parseOsRelease } from './package-manager.ts'
import { safeTargetPath } from '../chroot/safe-path.ts'
import { emptyDirectory } from '../hygiene/tree-hygiene.ts'

export interface CustomizeDeps {
  readonly reporter: Reporter
  readonly signal: AbortSignal
}

const TOOLS = [
  'qemu-img',
  'losetup',
  'partx',
  'blkid',
  'mount',
  'umount',
  'findmnt',
  'chroot',
  'cp',
]

/** Customize the image; throws the error to show (its own, the signal's, then what stayed held). */
export async function customizeImage(
  request: CustomizeRequest,
  deps: CustomizeDeps,
): Promise<void> {
  try {
    await customizeSteps(request, deps)
  } catch (error) {
    const settled = settleBuildError(error)
    if (!deps.signal.aborted) throw settled
    const reason: unknown = deps.signal.reason
    throw settled instanceof ReleaseFailedError && isBuilderError(reason)
      ? new ReleaseFailedError(reason, settled.releaseFailures, error)
      : reason instanceof InterruptedError
        ? reason
        : settled
  }
}

async function customizeSteps(request: CustomizeRequest, deps: CustomizeDeps): Promise<void> {
  const { reporter, signal } = deps
  requireRoot('customize an image')
  const needsOpenssl = request.operations.some((op) => op.kind === 'root-password')
  await requireTools(
    [...TOOLS, ...(needsOpenssl ? ['openssl'] : []), ...(request.size ? ['sfdisk'] : [])],
    'customize an image',
  )
  const operations = request.operations.filter((op): op is Operation => op.kind !== 'elements')
  // Everything the command line alone can tell is checked before the host is touched.
  await checkLocalFiles(operations)
  const outDir = await stat(dirname(request.output)).catch(() => undefined)
  if (!outDir?.isDirectory())
    throw new UsageError(`Cannot write "${request.output}": its directory does not exist`)
  const buildId = newBuildId()
  const runner = new ProcessRunner({ reporter, signal, baseEnv: hostEnv(), buildId })
  // Takes and releases host resources; it ignores the signal, so it can still release them.
  const resourceRunner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
  if (request.elements) await checkElements(request.elements, reporter, runner)
  const image = await inspectImage(request.image, runner)
  const format = outputFormat(request.output, image.format)
  const newSize = request.size ? grownSize(image.virtualSize, request.size) : undefined

  await using workspace = releasedWithHint(
    await openWorkspace({ tmpDir: request.tmpDir, noTmpfs: true, minTmpfsGiB: 0 }, buildId, {
      runner: resourceRunner,
      reporter,
    }),
  )
  const resources = { runner: resourceRunner, reporter, journal: workspace.journal }
  const work = join(workspace.workspace.imageDir, 'disk.raw')
  await makeWorkingCopy(image, work, runner)
  const grown: GrownDisk | undefined =
    newSize === undefined ? undefined : await growDiskFile(work, newSize, { runner, reporter })
  // TMP_MOUNT_PATH of the elements' hooks, as in a build.
  const mountDir = join(workspace.workspace.buildDir, 'mnt')
  await mkdir(mountDir)
  {
    await using opened = releasedWithHint(
      await openImage(work, mountDir, request.image, resources, {
        ...(grown && { beforeMount: (found) => growUnmounted(grown, found, { runner, reporter }) }),
      }),
    )
    reporter.emit({
      kind: 'info',
      message: `Mounted ${opened.rootFilesystem.device} (${opened.rootFilesystem.type}) as the root${opened.mountPoints.length > 1 ? `, and ${opened.mountPoints.slice(1).join(', ')} from its fstab` : ''}`,
    })
    if (grown)
      await growRootFilesystem(grown, opened.rootFilesystem, opened.root, { runner, reporter })
    const elements: ElementRun | undefined = request.elements
      ? await prepareElementRun(request.elements, await imageFamily(opened.root), {
          buildId,
          runner,
          resourceRunner,
          reporter,
          signal,
          journal: workspace.journal,
          workspace: workspace.workspace,
        })
      : undefined
    {
      await using _chroot = releasedWithHint(
        await openChroot(opened.root, elements?.hooksDir, resources),
      )
      for (const op of request.operations) {
        signal.throwIfAborted()
        if (op.kind === 'elements') await elements?.install(opened.root)
        else await applyOperation(opened.root, op, { runner, reporter })
      }
    }
    if (elements) {
      // As in a build: cleanup.d once the chroot is closed, then an empty /tmp.
      await elements.cleanup(opened.root)
      await emptyDirectory(opened.root, 'tmp')
    }
    await enforceHygiene({
      root: opened.root,
      env: hostEnv(),
      hostResolvConf: await hostResolvConf(),
      reporter,
    })
  }
  signal.throwIfAborted()
  if (request.dryRun) {
    reporter.emit({
      kind: 'info',
      message: `Dry run: the changes are discarded, "${request.output}" is not written`,
    })
    return
  }
  await writeResult(work, request.output, format, image.mode, {
    runner,
    journal: workspace.journal,
    reporter,
  })
}

/** The image's os-release and package family, which choose the elements that install packages. */
async function imageFamily(root: string): Promise<{
  manager: ReturnType<typeof packageManagerFor>
  osRelease: Record<string, string>
}> {
  for (const file of ['etc/os-release', 'usr/lib/os-release']) {
    const found = await safeTargetPath(root, file)
    if (!found.exists || found.lastIsSymlink) continue
    const osRelease = parseOsRelease(await readFile(found.path, 'utf8'))
    return { manager: packageManagerFor(osRelease), osRelease }
  }
  return { manager: undefined, osRelease: {} }
}
