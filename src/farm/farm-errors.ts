// Failures of the build farm itself (the database, a job's payload, a cancel), as opposed to
// failures of the build a job runs, which keep their own codes.
import { BuilderError, ExitCode } from '../errors.ts'

/** PostgreSQL cannot be reached or refused a statement. */
export class FarmDatabaseError extends BuilderError {
  readonly code = 'ERR_FARM_DATABASE'
  readonly exitCode = ExitCode.Host
}

/** A job that cannot be run as submitted (bad payload, wrong key, missing bundle). */
export class FarmJobError extends BuilderError {
  readonly code = 'ERR_FARM_JOB'
  readonly exitCode = ExitCode.Config
}

/** Someone ran `imagewright cancel` on the job while it was building. */
export class JobCancelledError extends BuilderError {
  readonly code = 'ERR_CANCELLED'
  readonly exitCode = ExitCode.Terminated

  constructor(jobId: string) {
    super(`Build ${jobId} was cancelled: everything it had set up was released`)
  }
}
