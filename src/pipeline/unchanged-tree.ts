// Whether the tree steps' last phase (post-root.d, usually nothing that touches the tree) left
// the build directory exactly as the step before it was stored, so the finished tree can share
// that step's archive instead of packing the same bytes again. Four snapshots (tree-snapshot.ts):
//   stored   right before the step before is packed (chroot closed, apt cache released);
//   opened   once the chroot of post-root.d is open, before any hook ran;
//   ran      after the hooks, before the chroot closes;
//   closed   after the chroot closed.
// "opened" and "ran" must agree entirely: the hooks changed nothing. "stored" and "closed" must
// agree too, except the ctimes of what opening the chroot itself touched (/etc for the
// resolver, /usr/sbin for policy-rc.d): the session puts those back as they were, the ctime
// aside, and tar does not record ctimes.
import { setTimeout as sleep } from 'node:timers/promises'
import type { TreeStep } from '../cache/step-keys.ts'
import {
  changedPaths,
  racyEntries,
  SETTLE_MS,
  snapshotTree,
  type TreeSnapshot,
} from '../cache/tree-snapshot.ts'
import type { Runner } from '../exec/command.ts'
import { OWNER_MARK } from '../host/orphans.ts'

/** The reason when the step before was not stored in this run (restored, or too quick). */
export const NOT_WATCHED = 'the step before was not stored by this build'

export type Verdict =
  | { readonly unchanged: true; readonly since: TreeStep }
  | { readonly unchanged: false; readonly reason: string }

export class TreeChangeWatch {
  readonly #buildDir: string
  readonly #runner: Runner
  #stored: { step: TreeStep; snapshot: TreeSnapshot } | undefined
  #opened: TreeSnapshot | undefined
  /** What opening the chroot touched: only their ctimes may differ from the stored tree. */
  #bySession: ReadonlySet<string> = new Set()
  /** Why nothing can be proven any more, once something is known to have changed. */
  #lost: string | undefined

  constructor(buildDir: string, runner: Runner) {
    this.#buildDir = buildDir
    this.#runner = runner
  }

  #snapshot(): Promise<TreeSnapshot> {
    return snapshotTree(this.#buildDir, this.#runner, [OWNER_MARK])
  }

  async #take(): Promise<TreeSnapshot | undefined> {
    await sleep(SETTLE_MS)
    const snapshot = await this.#snapshot()
    const racy = racyEntries(snapshot)
    if (racy.length === 0) return snapshot
    this.#lose(`${racy[0]} changed while its state was read`)
    return undefined
  }

  /** Tens of thousands of entries each: snapshots are not kept once nothing can be proven. */
  #lose(reason: string): void {
    this.#lost ??= reason
    this.#stored = this.#opened = undefined
  }

  /** The build directory as `step` is about to be packed. */
  async beforeStore(step: TreeStep): Promise<void> {
    const snapshot = await this.#take()
    if (snapshot !== undefined) this.#stored = { step, snapshot }
  }

  /** The chroot of the next step is open and none of its hooks has run. */
  async phasesStart(): Promise<void> {
    if (this.#stored === undefined) return
    const opened = await this.#take()
    if (this.#stored === undefined || opened === undefined) return
    this.#opened = opened
    this.#bySession = new Set(changedPaths(this.#stored.snapshot, opened))
  }

  /** The hooks have run; the chroot is still open. */
  async phasesEnd(): Promise<void> {
    if (this.#opened === undefined) return
    const byHooks = changedPaths(this.#opened, await this.#snapshot())
    this.#opened = undefined
    if (byHooks.length > 0) this.#lose(`${byHooks[0] || '.'} changed`)
  }

  /** After the chroot closed: whether the build directory is still the stored step's. */
  async verdict(): Promise<Verdict> {
    const stored = this.#stored
    this.#stored = undefined
    if (stored === undefined || this.#opened !== undefined)
      return { unchanged: false, reason: this.#lost ?? NOT_WATCHED }
    const since = changedPaths(stored.snapshot, await this.#snapshot(), this.#bySession)
    if (since.length > 0)
      return { unchanged: false, reason: `${since[0] || '.'} differs from the stored tree` }
    return { unchanged: true, since: stored.step }
  }
}
