// The build's private directories and its resource journal. The workspace is removed only once
// nothing is mounted below it: a recursive delete through a live bind mount of /dev would
// destroy the host.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import { ChrootError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import { FileJournal, type ResourceJournal } from '../host/journal.ts'
import { mountsBelow, unmount } from '../host/mount.ts'
import type { Reporter } from '../report/events.ts'
import type { Workspace } from './context.ts'

/** Journals of running builds live here, so `imagewright cleanup` can find crashed ones. */
export const STATE_DIR = process.env['IMAGEWRIGHT_STATE_DIR'] ?? '/run/imagewright/builds'

export interface OpenedWorkspace extends AsyncDisposable {
  readonly workspace: Workspace
  readonly journal: FileJournal
  readonly buildId: string
}

export async function openWorkspace(
  options: Pick<BuildOptions, 'tmpDir'>,
  deps: { readonly runner: Runner; readonly reporter: Reporter },
): Promise<OpenedWorkspace> {
  const buildId = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`
  const journal = new FileJournal(join(STATE_DIR, `${buildId}.json`), buildId)
  await mkdir(options.tmpDir, { recursive: true })
  const buildDir = await mkdtemp(join(options.tmpDir, 'dib_build.'))
  await journal.record({ kind: 'dir', path: buildDir })
  const imageDir = await mkdtemp(join(options.tmpDir, 'dib_image.'))
  await journal.record({ kind: 'dir', path: imageDir })
  const workspace: Workspace = { buildDir, imageDir }
  return {
    workspace,
    journal,
    buildId,
    [Symbol.asyncDispose]: async () => {
      for (const dir of [buildDir, imageDir]) {
        await removeUnmounted(dir, { ...deps, journal })
        await journal.forget({ kind: 'dir', path: dir })
      }
      await rm(journal.path, { force: true })
    },
  }
}

/** Delete `dir` after unmounting anything still mounted below it; refuse if that fails. */
export async function removeUnmounted(
  dir: string,
  deps: { readonly runner: Runner; readonly reporter: Reporter; readonly journal: ResourceJournal },
): Promise<void> {
  for (const target of await mountsBelow(dir, deps.runner)) {
    deps.reporter.emit({ kind: 'warning', message: `Unmounting "${target}", still mounted at the end of the build` })
    await unmount(target, deps)
  }
  const left = await mountsBelow(dir, deps.runner)
  if (left.length > 0) {
    throw new ChrootError(`Cannot remove "${dir}": still mounted: ${left.join(', ')}`)
  }
  await rm(dir, { recursive: true, force: true })
}
