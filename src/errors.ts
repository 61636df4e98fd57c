// Every failure a user can act on is a BuilderError: a stable code, an exit code, a message
// that says what failed, and an optional concrete hint. Anything else reaching the CLI is a bug.

export const ExitCode = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  Config: 3,
  Elements: 4,
  Hook: 5,
  BlockDevice: 6,
  Output: 7,
  Host: 8,
  BootTest: 9,
  Hygiene: 10,
  Hangup: 129,
  Interrupted: 130,
  Quit: 131,
  BrokenPipe: 141,
  Terminated: 143,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface BuilderErrorOptions {
  readonly hint?: string | undefined
  readonly cause?: unknown
}

export abstract class BuilderError extends Error {
  abstract readonly code: `ERR_${string}`
  abstract readonly exitCode: ExitCode
  readonly hint: string | undefined

  constructor(message: string, options: BuilderErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.hint = options.hint
  }
}

export class UsageError extends BuilderError {
  readonly code = 'ERR_USAGE'
  readonly exitCode = ExitCode.Usage
}

export class ConfigError extends BuilderError {
  readonly code = 'ERR_CONFIG'
  readonly exitCode = ExitCode.Config
}

export class ElementError extends BuilderError {
  readonly code = 'ERR_ELEMENTS'
  readonly exitCode = ExitCode.Elements
}

export class HookFailedError extends BuilderError {
  readonly code = 'ERR_HOOK_FAILED'
  readonly exitCode = ExitCode.Hook
}

export class BlockDeviceError extends BuilderError {
  readonly code = 'ERR_BLOCK_DEVICE'
  readonly exitCode = ExitCode.BlockDevice
}

export class ChrootError extends BuilderError {
  readonly code = 'ERR_CHROOT'
  readonly exitCode = ExitCode.BlockDevice
}

export class OutputError extends BuilderError {
  readonly code = 'ERR_OUTPUT'
  readonly exitCode = ExitCode.Output
}

export class HostRequirementError extends BuilderError {
  readonly code = 'ERR_HOST'
  readonly exitCode = ExitCode.Host
}

export class BootTestError extends BuilderError {
  readonly code = 'ERR_BOOT_TEST'
  readonly exitCode = ExitCode.BootTest
}

/** An existing image that cannot be customized: not a disk image, no Linux root, an encrypted root. */
export class ImageInputError extends BuilderError {
  readonly code = 'ERR_IMAGE_INPUT'
  readonly exitCode = ExitCode.Config
}

export class HygieneError extends BuilderError {
  readonly code = 'ERR_IMAGE_HYGIENE'
  readonly exitCode = ExitCode.Hygiene
}

/** The signals a build stops on, releasing everything first; their shell exit codes (128 + n). */
export const STOP_SIGNALS = { SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGTERM: 143 } as const
export type StopSignal = keyof typeof STOP_SIGNALS

export class InterruptedError extends BuilderError {
  readonly code = 'ERR_INTERRUPTED'
  readonly exitCode: ExitCode

  readonly signal: StopSignal | 'EPIPE'

  constructor(signal: StopSignal | 'EPIPE') {
    super(
      signal === 'EPIPE'
        ? 'Build stopped: its standard output was closed (EPIPE); everything it had set up was released'
        : `Build interrupted by ${signal}: everything it had set up was released`,
    )
    this.signal = signal
    // A closed pipe ends a shell command with SIGPIPE's status, 128 + 13.
    this.exitCode = signal === 'EPIPE' ? ExitCode.BrokenPipe : STOP_SIGNALS[signal]
  }
}

/**
 * A failure while releasing mounts, loop devices or directories. When the build had already
 * failed, that first error is the one shown (its code and exit status); either way the hint
 * says how to release what is left.
 */
export class ReleaseFailedError extends BuilderError {
  readonly code: `ERR_${string}`
  readonly exitCode: ExitCode
  readonly primary: BuilderError | undefined
  readonly releaseFailures: readonly string[]

  constructor(
    primary: BuilderError | undefined,
    releaseFailures: readonly string[],
    cause: unknown,
  ) {
    const released = `Releasing the build's resources failed: ${releaseFailures.join('; ')}`
    super(primary ? `${primary.message}\n${released}` : released, {
      cause,
      hint: [
        primary?.hint,
        'Run "imagewright cleanup" (as root) to release what the build left on the host',
      ]
        .filter(Boolean)
        .join('\n'),
    })
    this.primary = primary
    this.releaseFailures = releaseFailures
    this.code = primary?.code ?? 'ERR_RELEASE'
    this.exitCode = primary?.exitCode ?? ExitCode.BlockDevice
  }
}

export function isBuilderError(error: unknown): error is BuilderError {
  return error instanceof BuilderError
}

/** The step cache cannot be read or written (a damaged entry, a full disk). */
export class CacheError extends BuilderError {
  readonly code = 'ERR_CACHE'
  readonly exitCode = ExitCode.Output
}
