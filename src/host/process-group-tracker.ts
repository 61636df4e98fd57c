// Journals the process group of one running command, so that after a kill -9 of the build
// `imagewright cleanup` can stop it: host-side hooks run outside every build directory, where
// nothing else would find them.
import type { JournalEntry, ResourceJournal } from './journal.ts'
import { processStartTicks } from './processes.ts'

export class ProcessGroupTracker {
  readonly #journal: ResourceJournal
  readonly #what: string
  #recorded: Promise<JournalEntry | undefined> = Promise.resolve(undefined)

  constructor(journal: ResourceJournal, what: string) {
    this.#journal = journal
    this.#what = what
  }

  /** The runner's spawn callback: record the group (in the background; ended() waits for it). */
  started(pgid: number): void {
    this.#recorded = this.#record(pgid)
  }

  /** Strike the group off once the command is over. */
  async ended(): Promise<void> {
    const entry = await this.#recorded
    if (entry !== undefined) await this.#journal.forget(entry)
  }

  async #record(pgid: number): Promise<JournalEntry | undefined> {
    const startTicks = await processStartTicks(pgid)
    // Already gone: nothing could outlive the build through it.
    if (startTicks === undefined) return undefined
    const entry: JournalEntry = { kind: 'process-group', pgid, startTicks, what: this.#what }
    await this.#journal.record(entry)
    return entry
  }
}
