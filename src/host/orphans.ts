// Workspaces that no journal describes any more: a reboot empties /run (and the journals with
// it) but leaves on-disk workspaces behind, and a journal can be lost or unreadable. Each
// workspace carries a mark, written before anything is mounted on it, saying which build,
// process and boot made it; a workspace whose process is gone, or whose boot is over, is an
// orphan. A workspace without a mark is never touched (it may be DIB's, or older).
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { currentBootId } from './journal.ts'
import { detachLoopsBackedBelow } from './loops.ts'
import { mountsBelow, unmount } from './mount.ts'
import { isAlive, killProcessesRootedIn, stopProcessesOfBuild } from './processes.ts'

export const OWNER_MARK = '.imagewright-build'
const WORKSPACE_NAME = /^dib_(build|image)\.\w+$/

const markSchema = v.object({
  buildId: v.pipe(v.string(), v.regex(/^[\w.-]+$/)),
  pid: v.number(),
  bootId: v.string(),
})
type OwnerMark = v.InferOutput<typeof markSchema>

/** Written into a fresh (still empty, unmounted) workspace directory. */
export async function writeOwnerMark(dir: string, buildId: string): Promise<void> {
  const mark: OwnerMark = { buildId, pid: process.pid, bootId: currentBootId() }
  await writeFile(join(dir, OWNER_MARK), `${JSON.stringify(mark)}\n`, { flag: 'wx', mode: 0o600 })
}

async function readMark(dir: string): Promise<OwnerMark | undefined> {
  const text = await readFile(join(dir, OWNER_MARK), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const parsed = v.safeParse(markSchema, JSON.parse(text))
    return parsed.success ? parsed.output : undefined
  } catch {
    return undefined
  }
}

export interface OrphanWorkspace {
  readonly dir: string
  readonly buildId: string
  readonly why: string
}

/** Marked workspaces in `tmpDir` whose build died or belongs to an earlier boot. */
export async function findOrphanWorkspaces(tmpDir: string): Promise<OrphanWorkspace[]> {
  const entries = await readdir(tmpDir, { withFileTypes: true }).catch(() => [])
  const bootId = currentBootId()
  const found: OrphanWorkspace[] = []
  for (const entry of entries) {
    if (!entry.isDirectory() || !WORKSPACE_NAME.test(entry.name)) continue
    const dir = join(tmpDir, entry.name)
    const mark = await readMark(dir)
    if (mark === undefined) continue
    if (mark.bootId !== bootId)
      found.push({ dir, buildId: mark.buildId, why: 'made before the last reboot' })
    else if (!isAlive(mark.pid))
      found.push({ dir, buildId: mark.buildId, why: `its build (pid ${mark.pid}) is gone` })
  }
  return found
}

/** Stop what runs there, unmount, detach the loops its files back, then delete it. */
export async function releaseOrphan(
  orphan: OrphanWorkspace,
  deps: { readonly runner: Runner; readonly reporter: Reporter },
): Promise<string[]> {
  const released: string[] = []
  const started = await stopProcessesOfBuild(orphan.buildId)
  const rooted = await killProcessesRootedIn(orphan.dir, 2_000, true)
  if (started.length + rooted.length > 0)
    released.push(`processes ${[...started, ...rooted].join(' ')}`)
  const journal = { record: async () => undefined, forget: async () => undefined }
  for (const target of await mountsBelow(orphan.dir, deps.runner)) {
    await unmount(target, { ...deps, journal })
    released.push(`mount ${target}`)
  }
  released.push(...(await detachLoopsBackedBelow(orphan.dir, deps.runner)))
  const helpers = await stopProcessesOfBuild(orphan.buildId, 2_000, 'resources')
  if (helpers.length > 0) released.push(`processes ${helpers.join(' ')} (resource helpers)`)
  if ((await mountsBelow(orphan.dir, deps.runner)).length > 0) return released
  await rm(orphan.dir, { recursive: true, force: true })
  released.push(`directory ${orphan.dir} (${orphan.why})`)
  return released
}
