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
  Interrupted: 130,
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

export class HygieneError extends BuilderError {
  readonly code = 'ERR_IMAGE_HYGIENE'
  readonly exitCode = ExitCode.Hygiene
}

export class InterruptedError extends BuilderError {
  readonly code = 'ERR_INTERRUPTED'
  readonly exitCode: ExitCode

  readonly signal: 'SIGINT' | 'SIGTERM'

  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`Build interrupted by ${signal}: everything it had set up was released`)
    this.signal = signal
    this.exitCode = signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated
  }
}

export function isBuilderError(error: unknown): error is BuilderError {
  return error instanceof BuilderError
}
