// The terminal view of a build: the log's lasting lines (steps, scripts, warnings, artifacts)
// scroll as usual, and under them a live block (render-progress.ts) redrawn in place by
// log-update. Tool output stays out of the scrollback: its last line shows in the block, and a
// failure prints its tail with the error.
import { createLogUpdate } from 'log-update'
import type { BuildEvent, Reporter } from '../events.ts'
import { formatEvent } from '../format-event.ts'
import { remainingMs, type BuildTimings } from './estimate.ts'
import { foldProgress, initialProgress, type ProgressState } from './progress-state.ts'
import { renderProgress } from './render-progress.ts'

export const REDRAW_MS = 200

/** Kinds whose line stays in the scrollback; the rest only feed the live block. */
const LASTING: ReadonlySet<BuildEvent['kind']> = new Set([
  'step-start',
  'step-end',
  'script-end',
  'phase-summary',
  'info',
  'warning',
  'artifact',
  'cache-hit',
  'cache-miss',
])

export interface LiveReporterOptions {
  readonly stream: NodeJS.WriteStream
  readonly timings: BuildTimings | undefined
  readonly now?: () => number
}

export class LiveProgressReporter implements Reporter {
  readonly #stream: NodeJS.WriteStream
  readonly #draw: ReturnType<typeof createLogUpdate>
  readonly #timings: BuildTimings | undefined
  readonly #now: () => number
  #state: ProgressState
  #timer: NodeJS.Timeout | undefined

  constructor(options: LiveReporterOptions) {
    this.#stream = options.stream
    this.#draw = createLogUpdate(options.stream)
    this.#timings = options.timings
    this.#now = options.now ?? Date.now
    this.#state = initialProgress(this.#now())
    this.#timer = setInterval(() => this.#redraw(), REDRAW_MS)
    this.#timer.unref()
  }

  emit(event: BuildEvent): void {
    this.#state = foldProgress(this.#state, event, this.#now())
    if (LASTING.has(event.kind)) {
      const text = formatEvent(event)
      if (text !== undefined) {
        this.#draw.clear()
        this.#stream.write(`${text}\n`)
        this.#redraw()
      }
    }
    if (event.kind === 'build-end') this.stop()
  }

  /** Remove the live block and give the terminal back (also called on build-end). */
  stop(): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#draw.clear()
    this.#draw.done()
  }

  #redraw(): void {
    if (this.#timer === undefined) return
    const now = this.#now()
    this.#draw(
      renderProgress(
        this.#state,
        now,
        remainingMs(this.#timings, this.#state, now),
        this.#stream.columns || 80,
      ),
    )
  }
}
