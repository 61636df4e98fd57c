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
import { OWNER_MARK } from '../host/orphans.ts'

/** The reason when the step before was not stored in this run (restored, or too quick). */
export const NOT_WATCHED = 'the step before was not stored by this build'

export type Verdict =
  | { readonly unchanged: true; readonly since: TreeStep }
  | { readonly unchanged: false; readonly reason: string }

export class TreeChangeWatch {
  readonly #buildDir: string
  #stored: { step: TreeStep; snapshot: TreeSnapshot } | undefined
  #opened: TreeSnapshot | undefined
  #ran: TreeSnapshot | undefined
  #lost: string | undefined

  constructor(buildDir: string) {
    this.#buildDir = buildDir
  }

  async #take(): Promise<TreeSnapshot | undefined> {
    await sleep(SETTLE_MS)
    const snapshot = snapshotTree(this.#buildDir, [OWNER_MARK])
    const racy = racyEntries(snapshot)
    if (racy.length === 0) return snapshot
    this.#lost = `${racy[0]} changed while its state was read`
    return undefined
  }

  /** The build directory as `step` is about to be packed. */
  async beforeStore(step: TreeStep): Promise<void> {
    const snapshot = await this.#take()
    this.#stored = snapshot === undefined ? undefined : { step, snapshot }
  }

  /** The chroot of the next step is open and none of its hooks has run. */
  async phasesStart(): Promise<void> {
    if (this.#stored !== undefined) this.#opened = await this.#take()
  }

  /** The hooks have run; the chroot is still open. */
  phasesEnd(): void {
    if (this.#opened !== undefined) this.#ran = snapshotTree(this.#buildDir, [OWNER_MARK])
  }

  /** After the chroot closed: whether the build directory is still the stored step's. */
  verdict(): Verdict {
    const stored = this.#stored
    if (stored === undefined || this.#opened === undefined || this.#ran === undefined)
      return { unchanged: false, reason: this.#lost ?? NOT_WATCHED }
    const byHooks = changedPaths(this.#opened, this.#ran)
    if (byHooks.length > 0) return { unchanged: false, reason: `${byHooks[0]} changed` }
    const bySession = new Set(changedPaths(stored.snapshot, this.#opened))
    const closed = snapshotTree(this.#buildDir, [OWNER_MARK])
    const since = changedPaths(stored.snapshot, closed, bySession)
    if (since.length > 0)
      return { unchanged: false, reason: `${since[0] || '.'} differs from the stored tree` }
    return { unchanged: true, since: stored.step }
  }
}
