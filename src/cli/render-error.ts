// How a failure reads on the terminal: the message, the stable code, a concrete hint, and with
// --debug the chain of causes. Anything that is not a BuilderError is a bug and shows its stack.
import { isBuilderError } from '../errors.ts'
import { settleBuildError } from '../util/release-errors.ts'

export function renderError(thrown: unknown, debug: boolean): string {
  const error = settleBuildError(thrown)
  if (!isBuilderError(error)) {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
    return `Internal error (a bug in imagewright, please report it):\n${stack}\n`
  }
  const lines = [`Error: ${error.message}`, `Code: ${error.code}`]
  if (error.hint) lines.push(`Try this: ${error.hint}`)
  if (debug) {
    let cause = error.cause
    while (cause !== undefined) {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error, shown as it is
      const shown = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)
      lines.push(`Caused by: ${shown}`)
      cause = cause instanceof Error ? cause.cause : undefined
    }
  }
  return `${lines.join('\n')}\n`
}

export function exitCodeOf(error: unknown): number {
  const settled = settleBuildError(error)
  return isBuilderError(settled) ? settled.exitCode : 1
}
