// One farm job, start to end, on a worker: read the payload, open its secrets, unpack its
// elements, build through the same buildImage as the command line with the events going to the
// database, and tell pg-boss and the history how it ended. Input the build can never accept
// (elements that do not resolve, bad options, a payload the worker cannot open) fails at once;
// anything else is failed in pg-boss, which retries it until the job's limit is spent.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import { buildImage } from '../pipeline/build-image.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { isBuilderError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import { failureOf } from '../report/outcome.ts'
import { type BuildEnd, markActive, markEnded } from './build-records.ts'
import { unpackElements } from './element-bundle.ts'
import { jobEnvironment } from './env-allow-list.ts'
import { BUILD_QUEUE } from './farm-db.ts'
import { FarmJobError, JobCancelledError } from './farm-errors.ts'
import { DbEventWriter } from './event-store.ts'
import { listJobOutputs } from './job-outputs.ts'
import { readJobPayload, workerBuildOptions } from './job-payload.ts'
import type { PgBoss } from './pg-boss.ts'
import { openSecrets } from './secrets.ts'

/** Failures a retry cannot mend: the same input fails the same way on any worker. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'ERR_ELEMENTS',
  'ERR_USAGE',
  'ERR_CONFIG',
  'ERR_FARM_JOB',
])

export interface JobDeps {
  readonly pool: pg.Pool
  readonly boss: PgBoss
  readonly worker: string
  readonly artifactsDir: string
  readonly key: Buffer | undefined
  readonly workerEnv: Readonly<Record<string, string | undefined>>
  /** disk-image-create's parser: the worker reads a job's command line as the CLI would. */
  readonly parseBuild: (
    argv: readonly string[],
    env: Readonly<Record<string, string>>,
  ) => BuildOptions
  readonly runner: Runner
  readonly tmpDir: string
  readonly log: (line: string) => void
}

export interface FetchedJob {
  readonly id: string
  readonly data: unknown
  readonly retryCount: number
  readonly retryLimit: number
}

/** Run `job`; `signal` aborts it (cancel, worker shutdown). Resolves with how it ended. */
export async function runJob(
  job: FetchedJob,
  deps: JobDeps,
  signal: AbortSignal,
): Promise<BuildEnd | undefined> {
  const attempt = job.retryCount + 1
  if (!(await markActive(deps.pool, job.id, deps.worker, attempt))) {
    // Cancelled while it waited in the queue.
    await deps.boss.cancel(BUILD_QUEUE, job.id)
    return undefined
  }
  const writer = new DbEventWriter(
    deps.pool,
    { buildId: job.id, attempt, worker: deps.worker },
    (error) => {
      deps.log(
        `Cannot store events of job ${job.id}: ${error instanceof Error ? error.message : String(error)}`,
      )
    },
  )
  let scratch: string | undefined
  let end: BuildEnd
  try {
    writer.emit({
      kind: 'info',
      message: `Job ${job.id}: attempt ${attempt} of ${job.retryLimit + 1}, on worker ${deps.worker}`,
    })
    const payload = readJobPayload(job.data, job.id)
    const secrets = openSecrets(payload.secrets, deps.key, job.id)
    let elementsDir: string | undefined
    if (payload.bundle) {
      scratch = await mkdtemp(join(deps.tmpDir, 'iw-job-'))
      elementsDir = join(scratch, 'elements')
      await mkdir(elementsDir)
      await unpackElements(
        await readBundle(deps.pool, payload.bundle.digest),
        payload.bundle.digest,
        elementsDir,
        deps.runner,
      )
    }
    const env = jobEnvironment(deps.workerEnv, { plain: payload.env, secret: secrets }, elementsDir)
    const options = workerBuildOptions(
      deps.parseBuild(payload.argv, env),
      deps.artifactsDir,
      job.id,
    )
    // A retried job starts from an empty output directory: nothing of a killed attempt stays.
    await rm(join(deps.artifactsDir, job.id), { recursive: true, force: true })
    await mkdir(join(deps.artifactsDir, job.id), { recursive: true })
    const result = await buildImage(options, { reporter: writer, signal })
    end = {
      state: 'completed',
      exitCode: 0,
      outputs: await listJobOutputs(deps.artifactsDir, job.id, result.artifacts),
    }
    await writer.flush()
    if (await markEnded(deps.pool, job.id, attempt, end))
      await deps.boss.complete(BUILD_QUEUE, job.id, { outputs: end.outputs })
  } catch (error) {
    const reason: unknown = signal.aborted ? signal.reason : error
    const failure = failureOf(reason)
    end = {
      state: 'failed',
      errorCode: failure.code,
      error: failure.message,
      exitCode: isBuilderError(reason) ? reason.exitCode : 1,
    }
    await writer.flush()
    // After a lost lease the job belongs to another attempt: pg-boss must not hear from this one.
    if (await ownsAttempt(deps.pool, job.id, attempt)) {
      end = await endFailed(job, deps, reason)
      await markEnded(deps.pool, job.id, attempt, end)
    }
  } finally {
    await writer.flush()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  }
  return end
}

/** Tell pg-boss how the attempt failed; the answer says whether the job goes back to the queue. */
async function endFailed(job: FetchedJob, deps: JobDeps, reason: unknown): Promise<BuildEnd> {
  const failure = failureOf(reason)
  const exitCode = isBuilderError(reason) ? reason.exitCode : 1
  const ended = { errorCode: failure.code, error: failure.message, exitCode }
  if (reason instanceof JobCancelledError) {
    await deps.boss.cancel(BUILD_QUEUE, job.id)
    return { state: 'cancelled', ...ended }
  }
  if (PERMANENT_CODES.has(failure.code)) {
    // pg-boss has no "fail without retry": its job is done, the build's record says it failed.
    await deps.boss.complete(BUILD_QUEUE, job.id, { failed: failure })
    return { state: 'failed', ...ended }
  }
  await deps.boss.fail(BUILD_QUEUE, job.id, failure)
  const after = await deps.boss.getJobById(BUILD_QUEUE, job.id, { includeArchive: true })
  return { state: after?.state === 'retry' ? 'retry' : 'failed', ...ended }
}

async function ownsAttempt(pool: pg.Pool, id: string, attempt: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    "SELECT 1 FROM imagewright.builds WHERE id = $1 AND attempt = $2 AND state = 'active'",
    [id, attempt],
  )
  return rowCount === 1
}

async function readBundle(pool: pg.Pool, digest: string): Promise<Buffer> {
  const { rows } = await pool.query<{ archive: Buffer }>(
    'SELECT archive FROM imagewright.bundles WHERE digest = $1',
    [digest],
  )
  const row = rows[0]
  if (row === undefined)
    throw new FarmJobError(`Cannot find the job's element archive ${digest} in the farm database`)
  return row.archive
}
