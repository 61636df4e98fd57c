// Checks and steps on the root tree between phases.
import { readdir, readFile } from 'node:fs/promises'
import { safeTargetPath } from '../chroot/safe-path.ts'
import { removeInTarget } from '../hygiene/tree-hygiene.ts'
import type { Reporter } from '../report/events.ts'
import type { HooksTree } from '../elements/hooks-tree.ts'
import { HookFailedError } from '../errors.ts'
import { CommandFailedError } from '../exec/errors.ts'
import { listEnvironmentFiles } from '../elements/environment-files.ts'
import { phaseSpec } from '../phases/phase-table.ts'
import { formatOutputTail, hookCommand } from '../phases/run-hook.ts'
import { join } from 'node:path'
import { type BuildContext, rootTreeDir } from './context.ts'
import { hookSite } from './phase-runner.ts'

/** root.d must have produced an operating system, not just the empty mount point. */
export async function checkRootTree(root: string): Promise<void> {
  const entries = (await readdir(root)).filter((name) => name !== 'lost+found' && name !== 'tmp')
  if (entries.length === 0) {
    throw new HookFailedError(
      'Failed to deploy the root element: root.d left the image tree empty',
      {
        hint: 'An operating-system element (e.g. debian-minimal) must create the root in $TARGET_ROOT',
      },
    )
  }
}

/**
 * debootstrap copies the build host's /etc/resolv.conf into the new root (DIB's debootstrap
 * element ships it). A regular file with exactly the host's content is the build's, not the
 * image's: it goes, so the image cannot carry it (each chroot session still gets the host's).
 */
export async function dropCopiedHostResolver(
  root: string,
  hostResolver: string,
  reporter: Reporter,
): Promise<void> {
  const target = await safeTargetPath(root, 'etc/resolv.conf')
  if (!target.exists || target.lastIsSymlink) return
  const text = await readFile(target.path, 'utf8')
  if (text.trim() === '' || text.trim() !== hostResolver.trim()) return
  await removeInTarget(root, 'etc/resolv.conf')
  reporter.emit({
    kind: 'info',
    message: "root.d copied the build host's /etc/resolv.conf into the image; removed",
  })
}

/** `-p` packages: installed with install-packages inside the chroot right after install.d. */
export async function installExtraPackages(ctx: BuildContext, tree: HooksTree): Promise<void> {
  if (ctx.options.packages.length === 0) return
  const envFiles = (await listEnvironmentFiles(join(tree.root, 'environment.d'))).files.map(
    (f) => f.name,
  )
  const command = hookCommand(hookSite(ctx, tree, rootTreeDir(ctx)), phaseSpec('install'), {
    envFiles,
    argv: () => ['install-packages', ...ctx.options.packages],
    label: `install-packages ${ctx.options.packages.join(' ')} (-p)`,
  })
  try {
    await ctx.runner.run(command)
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error
    const tail = formatOutputTail(error.failure.tail)
    throw new HookFailedError(
      `Cannot install the packages given with -p (${ctx.options.packages.join(', ')}): install-packages ${error.message.replace(/^Command /, '')}${tail ? `; last output:\n${tail}` : ''}`,
      {
        cause: error,
        hint: 'install-packages comes from the OS element (dpkg on Debian); with -n make sure one provides it',
      },
    )
  }
}
