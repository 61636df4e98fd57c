import { BuilderError, ExitCode } from '../errors.ts'

// Words for exit statuses users meet most, so a failure explains itself.
const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  126: 'not executable',
  127: 'command not found: is the interpreter installed in the image?',
  130: 'interrupted',
  137: 'killed',
  143: 'terminated',
}

export function describeExit(exitCode: number | undefined, signal: string | undefined): string {
  if (signal) return `killed by ${signal}`
  if (exitCode === undefined) return 'did not start'
  const meaning = EXIT_MEANINGS[exitCode]
  return meaning ? `exit code ${exitCode} (${meaning})` : `exit code ${exitCode}`
}

/** Keep the last lines, preferring to show lines that look like the actual error. */
export function tailLines(lines: readonly string[], max = 20): string[] {
  return lines.slice(-max)
}

export interface CommandFailure {
  readonly argv: readonly string[]
  readonly label: string | undefined
  readonly exitCode: number | undefined
  readonly signal: string | undefined
  readonly tail: readonly string[]
  readonly durationMs: number
  readonly timedOut: boolean
}

// Raised by the runner; domain code wraps it with what part of the build failed.
export class CommandFailedError extends BuilderError {
  readonly code = 'ERR_COMMAND_FAILED'
  readonly exitCode = ExitCode.Internal
  readonly failure: CommandFailure

  constructor(failure: CommandFailure, cause?: unknown) {
    const what = failure.label ?? failure.argv.join(' ')
    const how = failure.timedOut
      ? 'timed out'
      : `failed with ${describeExit(failure.exitCode, failure.signal)}`
    super(`Command ${how}: ${what}`, { cause })
    this.failure = failure
  }
}
