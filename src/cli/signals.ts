// Ctrl-C and SIGTERM abort the build instead of killing the process, so every mount, loop
// device and child is released first. A second Ctrl-C says cleanup is still running; the
// third gives up waiting (the journal still lets `imagewright cleanup` finish the job).
import { InterruptedError } from '../errors.ts'

export interface SignalScope extends Disposable {
  readonly signal: AbortSignal
  readonly received: () => 'SIGINT' | 'SIGTERM' | undefined
}

export function trapSignals(write: (text: string) => void): SignalScope {
  const controller = new AbortController()
  let received: 'SIGINT' | 'SIGTERM' | undefined
  let count = 0
  const onSignal = (name: 'SIGINT' | 'SIGTERM'): void => {
    count++
    if (count === 1) {
      received = name
      write(`\nReceived ${name}: stopping the build and releasing its resources...\n`)
      controller.abort(new InterruptedError(name))
    } else if (count === 2) {
      write(`Still releasing resources; press Ctrl-C again to stop waiting (then run "imagewright cleanup")\n`)
    } else {
      process.exit(name === 'SIGINT' ? 130 : 143)
    }
  }
  const onInt = (): void => onSignal('SIGINT')
  const onTerm = (): void => onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return {
    signal: controller.signal,
    received: () => received,
    [Symbol.dispose]: () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    },
  }
}
