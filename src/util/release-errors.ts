// `await using` reports a failed release as a SuppressedError (the release failure, with the
// error that was already on its way out as `suppressed`), and AsyncStack as an Error or an
// AggregateError whose causes say what could not be released. This turns any of those into
// the error the user must see first, plus the list of what is still held.
import { BuilderError, ReleaseFailedError, isBuilderError } from '../errors.ts'

interface Suppressed {
  readonly error: unknown
  readonly suppressed: unknown
}

function isSuppressed(error: unknown): error is Error & Suppressed {
  return (
    error instanceof Error &&
    error.name === 'SuppressedError' &&
    'suppressed' in error &&
    'error' in error
  )
}

/** One line per failed release: "Cannot release X: why". */
export function releaseFailures(error: unknown): string[] {
  if (isSuppressed(error))
    return [...releaseFailures(error.error), ...releaseFailures(error.suppressed)]
  if (error instanceof AggregateError) return error.errors.flatMap((e) => releaseFailures(e))
  if (error instanceof ReleaseFailedError) return [...error.releaseFailures]
  const message = error instanceof Error ? error.message : String(error)
  const cause =
    error instanceof Error && error.cause !== undefined
      ? releaseFailures(error.cause).join('; ')
      : ''
  return [cause ? `${message}: ${cause}` : message]
}

/** The error a build ends with: its own failure first, then what could not be released. */
export function settleBuildError(error: unknown): unknown {
  if (!isSuppressed(error)) return error
  // The innermost suppressed error is the build's own failure; every `error` above it is a release.
  const failures: string[] = []
  let current: unknown = error
  while (isSuppressed(current)) {
    failures.push(...releaseFailures(current.error))
    current = current.suppressed
  }
  if (current instanceof ReleaseFailedError) {
    return new ReleaseFailedError(current.primary, [...current.releaseFailures, ...failures], error)
  }
  if (isBuilderError(current)) return new ReleaseFailedError(current, failures, error)
  const bug = current instanceof Error ? (current.stack ?? current.message) : String(current)
  return new ReleaseFailedError(
    undefined,
    [...failures, `after an internal error (a bug in imagewright, please report it): ${bug}`],
    error,
  )
}

/** A release that failed after the build's own steps succeeded. */
export function releaseOnlyError(error: unknown): BuilderError {
  if (error instanceof ReleaseFailedError) return error
  return new ReleaseFailedError(undefined, releaseFailures(error), error)
}

/** The same resource, whose release failure reads as a ReleaseFailedError (with the cleanup hint). */
export function releasedWithHint<T extends AsyncDisposable>(resource: T): T {
  const dispose = resource[Symbol.asyncDispose].bind(resource)
  return Object.assign(resource, {
    [Symbol.asyncDispose]: async (): Promise<void> => {
      try {
        await dispose()
      } catch (error) {
        throw releaseOnlyError(error)
      }
    },
  })
}
