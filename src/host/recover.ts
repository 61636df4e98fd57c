// `imagewright cleanup`: release what builds that died without cleaning up (kill -9, power
// loss of the process, a crash) left on the host, read from the journals they kept.
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { JOURNAL_SUFFIX, TEMP_SUFFIX, readJournal, type JournalEntry, type JournalFile, type ResourceJournal } from './journal.ts'
import { mountsBelow, unmount } from './mount.ts'
import { killProcessesRootedIn, stopProcessGroup, stopProcessesOfBuild } from './processes.ts'

export interface RecoverDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

export interface RecoveredBuild {
  readonly buildId: string
  readonly released: readonly string[]
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Journals of builds whose process is gone (or every journal with `force`). A build killed while
 * it rewrote its journal leaves the new version under the temporary name: when that one is
 * complete it is the newer truth, else the last renamed one is.
 */
export async function findAbandonedBuilds(stateDir: string, force = false): Promise<{ path: string; journal: JournalFile }[]> {
  const names = await readdir(stateDir).catch(() => [] as string[])
  const builds = new Set(names.flatMap((name) => journalOf(name) ?? []))
  const found: { path: string; journal: JournalFile }[] = []
  for (const name of [...builds].sort()) {
    const path = join(stateDir, name)
    const journal = (await readJournal(`${path}${TEMP_SUFFIX}`).catch(() => undefined)) ?? (await readJournal(path).catch(() => undefined))
    if (journal && (force || !isAlive(journal.pid))) found.push({ path, journal })
  }
  return found
}

/** The journal a state-dir file belongs to: itself, or the one a temporary file would replace. */
function journalOf(name: string): string | undefined {
  const base = name.endsWith(TEMP_SUFFIX) ? name.slice(0, -TEMP_SUFFIX.length) : name
  return base.endsWith(JOURNAL_SUFFIX) ? base : undefined
}

const noJournal: ResourceJournal = { record: async () => undefined, forget: async () => undefined }

/** Release one dead build's resources, newest first, then forget its journal. */
export async function recoverBuild(path: string, journal: JournalFile, deps: RecoverDeps): Promise<RecoveredBuild> {
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
  for (const entry of entries) released.push(...(await release(entry, mountDeps)))
  await rm(`${path}${TEMP_SUFFIX}`, { force: true })
  await rm(path, { force: true })
  return { buildId: journal.buildId, released }
}

async function release(entry: JournalEntry, deps: RecoverDeps & { journal: ResourceJournal }): Promise<string[]> {
  switch (entry.kind) {
    case 'mount': {
      const below = await mountsBelow(entry.path, deps.runner)
      for (const target of below) await unmount(target, deps)
      return below.map((t) => `mount ${t}`)
    }
    case 'loop': {
      const result = await deps.runner.run({ argv: ['losetup', '--list', '--noheadings', '--output', 'NAME,BACK-FILE', entry.device] }, { quiet: true, allowFailure: true })
      // Only detach the device if it still backs the same file: the number may have been reused.
      if (result.exitCode !== 0 || !result.stdout.includes(entry.file)) return []
      await deps.runner.run({ argv: ['losetup', '--detach', entry.device] }, { quiet: true })
      return [`loop device ${entry.device}`]
    }
    case 'dir': {
      for (const target of await mountsBelow(entry.path, deps.runner)) await unmount(target, deps)
      if ((await mountsBelow(entry.path, deps.runner)).length > 0) return []
      await rm(entry.path, { recursive: true, force: true })
      return [`directory ${entry.path}`]
    }
    case 'process-group':
      return []
  }
}
