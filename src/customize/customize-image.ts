// `imagewright customize`, as a table of contents: the seed's manual flow (copy, attach, mount,
// chroot with the host's resolver, package manager, unmount) done with the build's own pieces.
// The input is only read: the work happens on a raw copy in a journaled workspace, and the
// result replaces the target by a rename once it is complete. Every resource is scoped with
// `await using`, so it is released in reverse order on success, failure and signals alike.
import { mkdir, stat } from 'node:fs/promises'
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
import type { CustomizeRequest } from './request.ts'

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
  await requireTools([...TOOLS, ...(needsOpenssl ? ['openssl'] : [])], 'customize an image')
  // Everything the command line alone can tell is checked before the host is touched.
  await checkLocalFiles(request.operations)
  const outDir = await stat(dirname(request.output)).catch(() => undefined)
  if (!outDir?.isDirectory())
    throw new UsageError(`Cannot write "${request.output}": its directory does not exist`)
  const buildId = newBuildId()
  const runner = new ProcessRunner({ reporter, signal, baseEnv: hostEnv(), buildId })
  // Takes and releases host resources; it ignores the signal, so it can still release them.
  const resourceRunner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
  const image = await inspectImage(request.image, runner)
  const format = outputFormat(request.output, image.format)

  await using workspace = releasedWithHint(
    await openWorkspace({ tmpDir: request.tmpDir, noTmpfs: true, minTmpfsGiB: 0 }, buildId, {
      runner: resourceRunner,
      reporter,
    }),
  )
  const resources = { runner: resourceRunner, reporter, journal: workspace.journal }
  const work = join(workspace.workspace.imageDir, 'disk.raw')
  await makeWorkingCopy(image, work, runner)
  const mountDir = join(workspace.workspace.buildDir, 'mnt')
  await mkdir(mountDir)
  {
    await using opened = releasedWithHint(await openImage(work, mountDir, request.image, resources))
    reporter.emit({
      kind: 'info',
      message: `Mounted ${opened.rootFilesystem.device} (${opened.rootFilesystem.type}) as the root${opened.mountPoints.length > 1 ? `, and ${opened.mountPoints.slice(1).join(', ')} from its fstab` : ''}`,
    })
    {
      await using _chroot = releasedWithHint(await openChroot(opened.root, undefined, resources))
      for (const op of request.operations) {
        signal.throwIfAborted()
        await applyOperation(opened.root, op, { runner, reporter })
      }
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
