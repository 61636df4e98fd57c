// The build's private directories and its resource journal. The workspace is removed only once
// nothing is mounted below it: a recursive delete through a live bind mount of /dev would
// destroy the host.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { totalmem } from 'node:os'
import { join } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import { ChrootError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import { FileJournal, JOURNAL_SUFFIX, type ResourceJournal } from '../host/journal.ts'
import { mountOn, mountsBelow, unmount } from '../host/mount.ts'
import { writeOwnerMark } from '../host/orphans.ts'
import type { Reporter } from '../report/events.ts'
import type { Workspace } from './context.ts'
import { stopStrayProcesses } from './stray-processes.ts'
import { readSetting } from '../config/settings.ts'

/** Journals of running builds live here, so `imagewright cleanup` can find crashed ones. */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return readSetting(env, 'stateDir')
}

export interface OpenedWorkspace extends AsyncDisposable {
  readonly workspace: Workspace
  readonly journal: FileJournal
  readonly buildId: string
}

/** DIB builds in tmpfs when the machine has at least twice the minimum size in RAM. */
export function shouldUseTmpfs(
  options: Pick<BuildOptions, 'noTmpfs' | 'minTmpfsGiB'>,
  totalMemBytes: number,
): boolean {
  return !options.noTmpfs && totalMemBytes >= 2 * options.minTmpfsGiB * 1024 ** 3
}

/** A build's id: when it started (UTC, to the second) and a random part; sorts by age. */
export function newBuildId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`
}

export async function openWorkspace(
  options: Pick<BuildOptions, 'tmpDir' | 'noTmpfs' | 'minTmpfsGiB'>,
  buildId: string,
  deps: { readonly runner: Runner; readonly reporter: Reporter },
): Promise<OpenedWorkspace> {
  const journal = new FileJournal(join(stateDir(), `${buildId}${JOURNAL_SUFFIX}`), buildId)
  await mkdir(options.tmpDir, { recursive: true })
  const tmpfs = shouldUseTmpfs(options, totalmem())
  const makeDir = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(join(options.tmpDir, prefix))
    await journal.record({ kind: 'dir', path: dir })
    // Under the mount, so it is still there when a reboot took the tmpfs and the journal away.
    await writeOwnerMark(dir, buildId)
    // Always a private mount of its own, so nothing the build mounts below it reaches the host.
    const mount = tmpfs
      ? { source: 'tmpfs', target: dir, type: 'tmpfs', options: ['mode=0700'] }
      : { source: dir, target: dir, bind: true }
    await mountOn({ ...mount, private: true }, { ...deps, journal })
    return dir
  }
  const buildDir = await makeDir('dib_build.')
  const imageDir = await makeDir('dib_image.')
  if (!tmpfs && !options.noTmpfs) {
    deps.reporter.emit({
      kind: 'info',
      message: `Not enough RAM to build in tmpfs (needs ${2 * options.minTmpfsGiB} GiB): building in ${options.tmpDir}`,
    })
  }
  const workspace: Workspace = { buildDir, imageDir }
  return {
    workspace,
    journal,
    buildId,
    [Symbol.asyncDispose]: async () => {
      await stopStrayProcesses(buildId, deps.reporter)
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
    // The workspace's own tmpfs is expected; anything mounted inside it is a leak worth saying.
    if (target !== dir)
      deps.reporter.emit({
        kind: 'warning',
        message: `Unmounting "${target}", still mounted at the end of the build`,
      })
    await unmount(target, deps)
  }
  const left = await mountsBelow(dir, deps.runner)
  if (left.length > 0) {
    throw new ChrootError(`Cannot remove "${dir}": still mounted: ${left.join(', ')}`)
  }
  await rm(dir, { recursive: true, force: true })
}
