// Collects a build's events and writes the HTML report when the build ends, whether it
// succeeded, failed or was interrupted. A report that cannot be written never changes how the
// build ends: the problem goes to onWriteError.
import type { BuildEvent, Reporter, TimedEvent } from './events.ts'
import { renderHtmlReport } from './html-report.ts'
import type { BuildOutcome } from './outcome.ts'
import { writeFileAtomically } from './write-atomically.ts'

export interface HtmlReportReporterOptions {
  readonly path: string
  readonly onWriteError: (error: unknown) => void
  /** Epoch milliseconds; tests pass a fake clock. */
  readonly now?: () => number
  readonly write?: (path: string, text: string) => void
}

export class HtmlReportReporter implements Reporter {
  readonly #options: HtmlReportReporterOptions
  readonly #events: TimedEvent[] = []
  #done = false

  constructor(options: HtmlReportReporterOptions) {
    this.#options = options
  }

  emit(event: BuildEvent): void {
    this.#events.push({ time: (this.#options.now ?? Date.now)(), event })
    if (event.kind === 'build-end') this.#write(undefined)
  }

  /** Write the report now unless the build-end event already did (or tried to). */
  finish(outcome: BuildOutcome): void {
    if (!this.#done) this.#write(outcome)
  }

  #write(outcome: BuildOutcome | undefined): void {
    this.#done = true
    try {
      ;(this.#options.write ?? writeFileAtomically)(
        this.#options.path,
        renderHtmlReport(this.#events, outcome),
      )
    } catch (error) {
      this.#options.onWriteError(error)
    }
  }
}
