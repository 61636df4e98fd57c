// The second half of a ramdisk-image-create build. DIB runs the whole disk pipeline and throws
// the disk away; the ramdisk itself is made by elements (post-install.d or cleanup.d) and copied
// beside the image as NAME.initramfs and NAME.kernel. Here the finalise and cleanup phases run
// on the root tree directly, in TMP_MOUNT_PATH where DIB's scripts look for it, and no disk is
// made.
import { stat } from 'node:fs/promises'
import { openChroot } from '../chroot/chroot.ts'
import { hostResolvConf } from '../chroot/target-files.ts'
import { HookFailedError } from '../errors.ts'
import { type BuildContext, hooksDir, resourceDeps, rootTreeDir } from './context.ts'
import { watchElementOutputs } from './element-outputs.ts'
import { enforceHygiene } from '../hygiene/hygiene.ts'
import type { PhaseRunner } from './phase-runner.ts'

const MiB = 1024 * 1024

/** Phases block-device to cleanup on the tree; returns the files the elements wrote. */
export async function finishRamdiskBuild(ctx: BuildContext, phase: PhaseRunner): Promise<string[]> {
  const { options, reporter } = ctx
  const tree = rootTreeDir(ctx)
  await phase('block-device', tree)
  {
    await using _chroot = await openChroot(tree, hooksDir(ctx), resourceDeps(ctx))
    await phase('pre-finalise', tree)
    await phase('finalise', tree)
  }
  // Before cleanup.d: that is where a ramdisk of the whole tree is packed (without /tmp, where
  // the ramdisk elements leave their work).
  await enforceHygiene({
    root: tree,
    env: options.env,
    hostResolvConf: await hostResolvConf(),
    reporter,
    checkTmp: false,
  })
  await using outputs = await watchElementOutputs(options.imageName)
  await phase('cleanup', tree)
  const written = await outputs.written()
  const initramfs = `${options.imageName}.initramfs`
  if (!written.includes(initramfs)) {
    throw new HookFailedError(
      `The ramdisk build wrote no "${initramfs}": no element copied a ramdisk out of the tree`,
      {
        hint: `The ramdisk element ("${options.ramdiskElement ?? 'ramdisk'}") must depend on ramdisk-base, whose cleanup.d copies $TMP_MOUNT_PATH/tmp/ramdisk to $IMAGE_NAME.initramfs`,
      },
    )
  }
  for (const path of written) {
    const size = (await stat(path)).size
    reporter.emit({ kind: 'info', message: `Wrote ${path} (${(size / MiB).toFixed(1)} MiB)` })
  }
  outputs.keep()
  return written
}
