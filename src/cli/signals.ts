// Every way a build can be asked to stop ends the same way: the build is aborted instead of the
// process dying, so every mount, loop device and child is released first. That covers Ctrl-C,
// SIGTERM, SIGHUP (a closed terminal or SSH session), SIGQUIT, a closed output pipe (EPIPE,
// `... | head`) and, as a last resort, an uncaught exception. A second signal says cleanup is
// still running; the third gives up waiting (the journal still lets `imagewright cleanup`
// finish the job).
import { InterruptedError, STOP_SIGNALS, type StopSignal } from '../errors.ts'

export interface SignalScope extends Disposable {
  readonly signal: AbortSignal
  readonly received: () => StopSignal | 'EPIPE' | undefined
}

const SIGNALS = Object.keys(STOP_SIGNALS) as StopSignal[]
/**
 * A Ctrl-C reaches both the build and the command that started it in its own mount namespace,
 * which passes it on: the same signal again this soon is that copy, not a second request.
 */
export const SAME_SIGNAL_WINDOW_MS = 1_000

export function trapSignals(
  write: (text: string) => void,
  now: () => number = Date.now,
): SignalScope {
  const controller = new AbortController()
  let received: StopSignal | 'EPIPE' | undefined
  let count = 0
  let last: { name: StopSignal; at: number } | undefined
  let outputClosed = false
  const say = (text: string): void => {
    if (!outputClosed) write(text)
  }
  const onSignal = (name: StopSignal): void => {
    const at = now()
    if (last !== undefined && last.name === name && at - last.at < SAME_SIGNAL_WINDOW_MS) return
    last = { name, at }
    count++
    if (count === 1) {
      received = name
      say(`\nReceived ${name}: stopping the build and releasing its resources...\n`)
      controller.abort(new InterruptedError(name))
    } else if (count === 2) {
      say(
        `Still releasing resources; press Ctrl-C again to stop waiting (then run "imagewright cleanup")\n`,
      )
    } else {
      process.exit(STOP_SIGNALS[name])
    }
  }
  // Nobody reads the output any more: stop as a shell pipeline would, but release first.
  const onOutputError = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
    outputClosed = true
    if (controller.signal.aborted) return
    received = 'EPIPE'
    controller.abort(new InterruptedError('EPIPE'))
  }
  // A bug: the build still releases what it holds, then the error is shown as what it is.
  const onUncaught = (error: unknown): void => {
    if (controller.signal.aborted) {
      say(
        `Another internal error while stopping: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      )
      return
    }
    say(`\nInternal error: stopping the build and releasing its resources...\n`)
    controller.abort(error)
  }
  const handlers = SIGNALS.map((name) => [name, (): void => onSignal(name)] as const)
  for (const [name, handler] of handlers) process.on(name, handler)
  process.stdout.on('error', onOutputError)
  process.stderr.on('error', onOutputError)
  process.on('uncaughtException', onUncaught)
  return {
    signal: controller.signal,
    received: () => received,
    [Symbol.dispose]: () => {
      for (const [name, handler] of handlers) process.off(name, handler)
      process.off('uncaughtException', onUncaught)
      // Output errors stay handled: a write to a closed pipe must not crash the exit path.
    },
  }
}
