// How a build ended, as reports show it. A failure keeps only what a reader can act on: the
// stable error code and the message; anything that is not a BuilderError is a bug.
import { isBuilderError } from '../errors.ts'
import { settleBuildError } from '../util/release-errors.ts'
import type { BuildFailure } from './events.ts'

export type BuildOutcome = { readonly ok: true } | ({ readonly ok: false } & BuildFailure)

export function failureOf(thrown: unknown): BuildFailure {
  const error = settleBuildError(thrown)
  if (isBuilderError(error)) return { code: error.code, message: error.message }
  return { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) }
}
