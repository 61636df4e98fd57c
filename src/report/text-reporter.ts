// Human-readable build log: DIB's "YYYY-MM-DD HH:MM:SS.mmm | " prefix unless turned off.
import type { BuildEvent, Reporter } from './events.ts'
import { formatEvent } from './format-event.ts'

export interface TextReporterOptions {
  readonly write: (text: string) => void
  readonly timestamps: boolean
  readonly verbose: boolean
}

export function timestampPrefix(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 23)} | `
}

export class TextReporter implements Reporter {
  readonly #options: TextReporterOptions

  constructor(options: TextReporterOptions) {
    this.#options = options
  }

  emit(event: BuildEvent): void {
    const text = formatEvent(event, this.#options.verbose)
    if (text === undefined) return
    const prefix = this.#options.timestamps ? timestampPrefix(new Date()) : ''
    this.#options.write(
      text
        .split('\n')
        .map((line) => `${prefix}${line}\n`)
        .join(''),
    )
  }
}

/** One JSON object per event and line, for machines. */
export class JsonLinesReporter implements Reporter {
  readonly #write: (text: string) => void

  constructor(write: (text: string) => void) {
    this.#write = write
  }

  emit(event: BuildEvent): void {
    this.#write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`)
  }
}
