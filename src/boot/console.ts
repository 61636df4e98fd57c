// An expect-style serial console: read everything the guest prints, wait for a pattern with a
// timeout, type text. Works over any duplex stream (a UNIX socket to QEMU, or a test double).
import type { Duplex } from 'node:stream'
import { ConsoleTranscript, type TranscriptMatch, type TranscriptOptions } from './console-text.ts'

export type { TranscriptMatch } from './console-text.ts'

/** The guest side went away (QEMU exited or the socket broke) before a pattern appeared. */
export class ConsoleClosedError extends Error {
  constructor() {
    super('Console closed before the expected output appeared')
    this.name = 'ConsoleClosedError'
  }
}

export class ConsoleTimeoutError extends Error {
  readonly timeoutMs: number

  constructor(timeoutMs: number) {
    super(`Expected console output did not appear within ${timeoutMs} ms`)
    this.name = 'ConsoleTimeoutError'
    this.timeoutMs = timeoutMs
  }
}

export interface WaitOptions {
  readonly signal?: AbortSignal
}

interface Waiter {
  readonly patterns: readonly RegExp[]
  readonly resolve: (match: TranscriptMatch) => void
  readonly reject: (error: unknown) => void
}

export class SerialConsole {
  readonly #stream: Duplex
  readonly #transcript: ConsoleTranscript
  #waiter: Waiter | undefined
  #closed = false

  constructor(stream: Duplex, options: TranscriptOptions = {}) {
    this.#stream = stream
    this.#transcript = new ConsoleTranscript(options)
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      this.#transcript.push(chunk)
      this.#settle()
    })
    const onGone = (): void => this.#markClosed()
    stream.once('end', onGone)
    stream.once('close', onGone)
    // A reset connection is just another way for the guest side to go away.
    stream.on('error', onGone)
  }

  get lines(): readonly string[] {
    return this.#transcript.lines
  }

  get closed(): boolean {
    return this.#closed
  }

  tail(count: number): string[] {
    return this.#transcript.tail(count)
  }

  /**
   * Resolve with the earliest match of any pattern in output not yet consumed, consuming up to
   * its end. Rejects with ConsoleTimeoutError, ConsoleClosedError, or the signal's reason.
   */
  waitFor(
    patterns: RegExp | readonly RegExp[],
    timeoutMs: number,
    options: WaitOptions = {},
  ): Promise<TranscriptMatch> {
    const list = patterns instanceof RegExp ? [patterns] : patterns
    if (this.#waiter) return Promise.reject(new Error('Cannot wait on the console twice at once'))
    const found = this.#transcript.consume(list)
    if (found) return Promise.resolve(found)
    if (this.#closed) return Promise.reject(new ConsoleClosedError())
    const { signal } = options
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#waiter = undefined
      }
      const timer = setTimeout(() => {
        finish()
        reject(new ConsoleTimeoutError(timeoutMs))
      }, timeoutMs)
      const onAbort = (): void => {
        finish()
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiter = {
        patterns: list,
        resolve: (match) => {
          finish()
          resolve(match)
        },
        reject: (error) => {
          finish()
          reject(error)
        },
      }
    })
  }

  /** Type text exactly as given (a terminal's Enter key is "\r"). */
  send(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new ConsoleClosedError())
    return new Promise((resolve, reject) => {
      this.#stream.write(text, (error) => (error ? reject(error) : resolve()))
    })
  }

  /** Disconnect; the unfinished last line is kept as a line. */
  close(): void {
    this.#markClosed()
    this.#stream.destroy()
  }

  #markClosed(): void {
    if (this.#closed) return
    this.#closed = true
    this.#transcript.end()
    this.#settle()
  }

  #settle(): void {
    const waiter = this.#waiter
    if (!waiter) return
    const found = this.#transcript.consume(waiter.patterns)
    if (found) waiter.resolve(found)
    else if (this.#closed) waiter.reject(new ConsoleClosedError())
  }
}
