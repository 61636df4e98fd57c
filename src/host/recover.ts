// `imagewright cleanup`: release what builds that died without cleaning up (kill -9, power
// loss of the process, a crash) left on the host, read from the journals they kept.
import { lstat, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import {
  JOURNAL_SUFFIX,
  TEMP_SUFFIX,
  currentBootId,
  readJournal,
  type JournalEntry,
  type JournalFile,
  type ResourceJournal,
} from './journal.ts'
import {
  backsFile,
  detachLoop,
  detachLoopsBackedBelow,
  loopsBackedBy,
  parseLoopList,
} from './loops.ts'
import { mountsBelow, unmount } from './mount.ts'
import {
  isAlive,
  killProcessesRootedIn,
  stopProcessGroup,
  stopProcessesOfBuild,
} from './processes.ts'

export interface RecoverDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

export interface RecoveredBuild {
  readonly buildId: string
  readonly released: readonly string[]
}

export interface UnreadableJournal {
  readonly path: string
  readonly reason: string
}

export interface StateDirScan {
  readonly abandoned: { path: string; journal: JournalFile }[]
  readonly unreadable: UnreadableJournal[]
}

/**
 * Journals of builds whose process is gone or whose boot is over (or every journal with
 * `force`), and those that cannot be read. A build killed while it rewrote its journal leaves
 * the new version under the temporary name: when that one is complete it is the newer truth,
 * else the last renamed one is.
 */
export async function scanStateDir(stateDir: string, force = false): Promise<StateDirScan> {
  const names = await readdir(stateDir).catch(() => [] as string[])
  const builds = new Set(names.flatMap((name) => journalOf(name) ?? []))
  const scan: StateDirScan = { abandoned: [], unreadable: [] }
  const bootId = currentBootId()
  for (const name of [...builds].sort()) {
    const path = join(stateDir, name)
    const fromTemp = await readJournal(`${path}${TEMP_SUFFIX}`).catch(
      (error: unknown) => error as Error,
    )
    const journal =
      fromTemp instanceof Error
        ? await readJournal(path).catch((error: unknown) => error as Error)
        : fromTemp
    if (journal instanceof Error) {
      // A first write still in progress is not a problem yet.
      const onlyTemp = !names.includes(name)
      if (onlyTemp && (await isRecent(`${path}${TEMP_SUFFIX}`))) continue
      scan.unreadable.push({
        path: onlyTemp ? `${path}${TEMP_SUFFIX}` : path,
        reason: journal.message,
      })
      continue
    }
    const previousBoot = journal.bootId !== undefined && journal.bootId !== bootId
    if (force || previousBoot || !isAlive(journal.pid)) scan.abandoned.push({ path, journal })
  }
  return scan
}

export async function findAbandonedBuilds(
  stateDir: string,
  force = false,
): Promise<{ path: string; journal: JournalFile }[]> {
  return (await scanStateDir(stateDir, force)).abandoned
}

async function isRecent(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined)
  return info !== undefined && Date.now() - info.mtimeMs < 5_000
}

/** The journal a state-dir file belongs to: itself, or the one a temporary file would replace. */
function journalOf(name: string): string | undefined {
  const base = name.endsWith(TEMP_SUFFIX) ? name.slice(0, -TEMP_SUFFIX.length) : name
  return base.endsWith(JOURNAL_SUFFIX) ? base : undefined
}

const noJournal: ResourceJournal = { record: async () => undefined, forget: async () => undefined }

/** Release one dead build's resources, newest first, then forget its journal. */
export async function recoverBuild(
  path: string,
  journal: JournalFile,
  deps: RecoverDeps,
): Promise<RecoveredBuild> {
  const released: string[] = []
  const mountDeps = { ...deps, journal: noJournal }
  const entries = [...journal.entries].reverse()
  // Processes first: they keep mounts busy. Whatever carries the build's id goes, then any
  // process rooted in its directories and the members of its journaled groups.
  const started = await stopProcessesOfBuild(journal.buildId)
  if (started.length > 0) released.push(`processes ${started.join(' ')} (started by the build)`)
  for (const entry of entries) {
    if (entry.kind === 'dir') {
      const killed = await killProcessesRootedIn(entry.path, 2_000, true)
      if (killed.length > 0) released.push(`processes ${killed.join(' ')}`)
    }
    if (entry.kind === 'process-group') {
      const stopped = await stopProcessGroup(entry.pgid, entry.startTicks)
      if (stopped.length > 0) released.push(`process group ${entry.pgid} (${entry.what})`)
    }
  }
  const workspaces = entries.flatMap((entry) => (entry.kind === 'dir' ? [entry.path] : []))
  for (const entry of entries)
    released.push(...(await release(entry, { ...mountDeps, workspaces })))
  // Last, what it ran to make its resources (a hung losetup, a FUSE daemon whose mount is gone).
  const helpers = await stopProcessesOfBuild(journal.buildId, 2_000, 'resources')
  if (helpers.length > 0) released.push(`processes ${helpers.join(' ')} (resource helpers)`)
  await rm(`${path}${TEMP_SUFFIX}`, { force: true })
  await rm(path, { force: true })
  return { buildId: journal.buildId, released }
}

async function release(
  entry: JournalEntry,
  deps: RecoverDeps & { journal: ResourceJournal; workspaces: readonly string[] },
): Promise<string[]> {
  switch (entry.kind) {
    case 'mount': {
      const below = await mountsBelow(entry.path, deps.runner)
      for (const target of below) await unmount(target, deps)
      return below.map((t) => `mount ${t}`)
    }
    case 'loop': {
      const result = await deps.runner.run(
        {
          argv: [
            'losetup',
            '--list',
            '--noheadings',
            '--raw',
            '--output',
            'NAME,BACK-FILE',
            entry.device,
          ],
        },
        { quiet: true, allowFailure: true },
      )
      // Only detach the device if it still backs the same file: the number may have been reused.
      const [shown] = parseLoopList(result.stdout.replace(/\\x20/g, ' '))
      if (
        result.exitCode !== 0 ||
        shown === undefined ||
        !backsFile(shown.file, entry.file, deps.workspaces)
      )
        return []
      await detachLoop(entry.device, deps.runner)
      return [`loop device ${entry.device}`]
    }
    case 'loop-file': {
      // Attached (or about to be) when the build died, maybe not journaled as a device yet.
      const devices = await loopsBackedBy(entry.file, entry, deps.workspaces, deps.runner)
      for (const device of devices) await detachLoop(device, deps.runner)
      return devices.map((device) => `loop device ${device} (backed by ${entry.file})`)
    }
    case 'dir': {
      const below = await mountsBelow(entry.path, deps.runner)
      for (const target of below) await unmount(target, deps)
      // A loop device attached just before the build died, not journaled yet, is found by its file.
      const loops = await detachLoopsBackedBelow(entry.path, deps.runner)
      const done = [...below.map((t) => `mount ${t}`), ...loops]
      if ((await mountsBelow(entry.path, deps.runner)).length > 0) return done
      await rm(entry.path, { recursive: true, force: true })
      return [...done, `directory ${entry.path}`]
    }
    case 'file': {
      const info = await lstat(entry.path).catch(() => undefined)
      if (!info?.isFile()) return []
      await rm(entry.path, { force: true })
      return [`file ${entry.path}`]
    }
    case 'process-group':
      return []
  }
}
