// Turning raw serial output into plain text and lines. Pure and chunk-safe: an escape
// sequence or a line split across two reads comes out the same as if it arrived whole.

// Complete sequences: CSI (colours, cursor moves), OSC (titles; ends with BEL or ESC \),
// character-set designations, and two-byte escapes such as ESC c or ESC 7.
const ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+#%][ -~]|[0-~])/g
// An escape sequence that has started but not finished at the end of a chunk.
const UNFINISHED_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[()*+#%])?$/
// Control characters other than newline and tab: carriage returns, bells, backspaces, NULs,
// and a lone ESC that never became a sequence.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g
// Guard against a never-terminated OSC swallowing all further output.
const MAX_HELD_BACK = 256

/** Strips terminal control sequences from a stream of chunks. */
export class TerminalTextFilter {
  #held = ''

  /** Plain text for this chunk; an unfinished trailing escape is held for the next one. */
  push(chunk: string): string {
    let text = this.#held + chunk
    this.#held = ''
    const unfinished = UNFINISHED_ESCAPE.exec(text)
    if (unfinished && unfinished[0].length <= MAX_HELD_BACK) {
      this.#held = unfinished[0]
      text = text.slice(0, unfinished.index)
    }
    return cleanText(text)
  }

  /** Whatever is still held back, cleaned (at end of stream). */
  flush(): string {
    const rest = cleanText(this.#held)
    this.#held = ''
    return rest
  }
}

export function stripTerminalControls(text: string): string {
  return cleanText(text)
}

function cleanText(text: string): string {
  return text.replace(ESCAPE, '').replace(CONTROL, '')
}

export interface TranscriptOptions {
  /** Called once for each completed line. */
  readonly onLine?: (line: string) => void
  /** Longest stretch of unconsumed text kept for matching (expect's match_max). */
  readonly matchWindow?: number
}

export interface TranscriptMatch {
  /** Which of the patterns matched. */
  readonly index: number
  readonly match: RegExpExecArray
  /** Unconsumed text before the match: a command's output when the match is its end marker. */
  readonly before: string
}

const DEFAULT_MATCH_WINDOW = 64 * 1024

/**
 * Everything the console printed, as lines, plus an expect-style window of text not yet
 * consumed by a match. Each successful match consumes the window up to the match's end.
 */
export class ConsoleTranscript {
  readonly #lines: string[] = []
  readonly #filter = new TerminalTextFilter()
  readonly #onLine: ((line: string) => void) | undefined
  readonly #matchWindow: number
  #partial = ''
  #window = ''

  constructor(options: TranscriptOptions = {}) {
    this.#onLine = options.onLine
    this.#matchWindow = options.matchWindow ?? DEFAULT_MATCH_WINDOW
  }

  /** Every completed line so far. */
  get lines(): readonly string[] {
    return this.#lines
  }

  /** The line being printed now (a prompt has no newline). */
  get partialLine(): string {
    return this.#partial
  }

  push(chunk: string): void {
    this.#append(this.#filter.push(chunk))
  }

  /** End of stream: the unfinished last line becomes a line. */
  end(): void {
    this.#append(this.#filter.flush())
    if (this.#partial.length > 0) this.#completeLine()
  }

  /** The last `count` lines, including an unfinished one. */
  tail(count: number): string[] {
    const lines = this.#lines.slice(-count)
    if (this.#partial.length > 0) lines.push(this.#partial)
    return lines.slice(-count)
  }

  /** Find the earliest match of any pattern in the window and consume up to its end. */
  consume(patterns: readonly RegExp[]): TranscriptMatch | undefined {
    let best: TranscriptMatch | undefined
    patterns.forEach((pattern, index) => {
      const match = withoutState(pattern).exec(this.#window)
      if (match && (best === undefined || match.index < best.match.index)) {
        best = { index, match, before: this.#window.slice(0, match.index) }
      }
    })
    if (best) this.#window = this.#window.slice(best.match.index + best.match[0].length)
    return best
  }

  #append(text: string): void {
    if (text.length === 0) return
    this.#window += text
    if (this.#window.length > this.#matchWindow) {
      this.#window = this.#window.slice(this.#window.length - this.#matchWindow)
    }
    const pieces = text.split('\n')
    const last = pieces.pop() ?? ''
    for (const piece of pieces) {
      this.#partial += piece
      this.#completeLine()
    }
    this.#partial += last
  }

  #completeLine(): void {
    const line = this.#partial
    this.#partial = ''
    this.#lines.push(line)
    this.#onLine?.(line)
  }
}

// A global or sticky regex remembers lastIndex between calls; matching must not depend on it.
function withoutState(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky
    ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
    : pattern
}
