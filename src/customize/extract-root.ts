// A cloud image's root tree copied into the build's root: the image converted to a raw working
// copy, opened like `imagewright customize` opens one (loop device with --partscan, partition
// nodes settled, the root found by its os-release, /boot and the ESP mounted from its fstab;
// never kpartx or device-mapper), copied out, and everything released in reverse order.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { isDiskFormat, parseQemuImgInfo, qemuImgInfoArgv } from '../boot/disk-format.ts'
import { openImage } from './open-image.ts'
import { ImageInputError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { ResourceJournal } from '../host/journal.ts'
import type { Reporter } from '../report/events.ts'
import { AsyncStack } from '../util/async-stack.ts'

export interface ExtractDeps {
  readonly runner: Runner
  readonly reporter: Reporter
  readonly journal: ResourceJournal
}

const ACTION = 'use the base image'

/**
 * Copy the Linux tree of `image` (its root and every filesystem its fstab mounts from the same
 * disk) into `targetRoot`. `tmpDir` holds the raw working copy while it lasts.
 */
export async function extractRoot(
  image: string,
  targetRoot: string,
  tmpDir: string,
  deps: ExtractDeps,
): Promise<void> {
  const format = await imageFormat(image, deps.runner)
  await using stack = new AsyncStack()
  await mkdir(tmpDir, { recursive: true })
  const work = await mkdtemp(join(tmpDir, 'iw-cloud-image.'))
  await deps.journal.record({ kind: 'dir', path: work })
  stack.defer('the working copy', async () => {
    await rm(work, { recursive: true, force: true })
    await deps.journal.forget({ kind: 'dir', path: work })
  })
  const raw = join(work, 'disk.raw')
  await deps.runner.run({
    argv: ['qemu-img', 'convert', '-f', format, '-O', 'raw', image, raw],
    label: `copy ${basename(image)} to a raw working copy`,
  })
  const mountDir = join(work, 'mnt')
  await mkdir(mountDir)
  const opened = await openImage(raw, mountDir, image, deps, { action: ACTION })
  stack.defer('the base image', async () => {
    await opened[Symbol.asyncDispose]()
  })
  deps.reporter.emit({
    kind: 'info',
    message: `Base image ${basename(image)}: root on ${opened.rootFilesystem.type}${opened.mountPoints.length > 1 ? `, with ${opened.mountPoints.slice(1).join(', ')} from its fstab` : ''}`,
  })
  // Owners, modes, hard links, ACLs and xattrs kept; the SELinux labels are left behind (the
  // build relabels at the end, as DIB's tarball of the image does).
  await deps.runner.run({
    argv: ['cp', '-a', '--no-preserve=context', `${mountDir}/.`, `${targetRoot}/`],
    label: `copy the base image's tree into the build's root`,
  })
}

async function imageFormat(image: string, runner: Runner): Promise<string> {
  const result = await runner.run(
    { argv: qemuImgInfoArgv(image) },
    { quiet: true, allowFailure: true, stdoutIsData: true },
  )
  if (result.exitCode !== 0)
    throw new ImageInputError(
      `Cannot ${ACTION} "${image}": qemu-img cannot open it (${result.stderr.trim().split('\n').at(-1) ?? ''})`,
    )
  const { format } = parseQemuImgInfo(result.stdout)
  if (!isDiskFormat(format))
    throw new ImageInputError(`Cannot ${ACTION} "${image}": it is a "${format}" image`, {
      hint: 'Give a qcow2 or raw cloud image of the whole disk',
    })
  return format
}
