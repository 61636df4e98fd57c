// `imagewright worker`: takes build jobs from the farm's queue, up to `concurrency` at once, and
// runs each with runJob. Before it takes any, it releases what builds of a killed worker left
// on this host (their journals, as `imagewright cleanup`). While it runs it renews its lease,
// reclaims the builds of workers that lost theirs, and stops builds someone cancelled. Stopping
// it (SIGTERM) stops its builds cleanly and hands them back to the queue.
import { hostname } from 'node:os'
import { stateDir } from '../pipeline/workspace.ts'
import { findAbandonedBuilds, recoverBuild } from '../host/recover.ts'
import { InterruptedError } from '../errors.ts'
import { silentReporter } from '../report/events.ts'
import { cancelRequested } from './build-records.ts'
import { BUILD_QUEUE, openFarmDb, openQueue } from './farm-db.ts'
import { JobCancelledError, FarmDatabaseError } from './farm-errors.ts'
import { heartbeat, reclaimLostBuilds, registerWorker, retireWorker } from './leases.ts'
import { type FetchedJob, type JobDeps, runJob } from './run-job.ts'

export interface WorkerSettings extends Omit<JobDeps, 'pool' | 'boss' | 'worker'> {
  readonly db: string
  readonly name: string | undefined
  readonly concurrency: number
  /** Seconds without a heartbeat after which a worker's builds go to another. */
  readonly leaseSeconds: number
  readonly pollSeconds: number
}

export function defaultWorkerName(): string {
  return `${hostname()}/${process.pid}`
}

export async function runWorker(settings: WorkerSettings, stop: AbortSignal): Promise<void> {
  const { log } = settings
  const name = settings.name ?? defaultWorkerName()
  await releaseAbandonedBuilds(settings)
  await using db = await openFarmDb(settings.db)
  await using boss = await openQueue(settings.db, {
    supervise: true,
    onError: (error) => log(`Queue maintenance failed: ${error.message}`),
  })
  await registerWorker(db.pool, {
    name,
    host: hostname(),
    pid: process.pid,
    concurrency: settings.concurrency,
  })
  log(
    `Worker ${name} started: ${settings.concurrency} build(s) at once, artefacts in ${settings.artifactsDir}, lease ${settings.leaseSeconds}s`,
  )

  const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  const stopped = untilAborted(stop)
  const deps: JobDeps = { ...settings, pool: db.pool, boss, worker: name }
  const tick = async (): Promise<void> => {
    if (!(await heartbeat(db.pool, name))) {
      log(`Worker ${name} lost its lease: its builds were handed to other workers; stopping them`)
      for (const build of running.values())
        build.controller.abort(new FarmDatabaseError(`Worker ${name} lost its lease`))
      await registerWorker(db.pool, {
        name,
        host: hostname(),
        pid: process.pid,
        concurrency: settings.concurrency,
      })
    }
    for (const id of await cancelRequested(db.pool, [...running.keys()])) {
      const build = running.get(id)
      if (build && !build.controller.signal.aborted) {
        log(`Job ${id}: cancelled, stopping its build`)
        build.controller.abort(new JobCancelledError(id))
      }
    }
    for (const reclaimed of await reclaimLostBuilds(db.pool, boss, settings.leaseSeconds)) {
      log(
        `Job ${reclaimed.id}: worker ${reclaimed.worker} was lost; the job is ${reclaimed.state === 'retry' ? 'back in the queue' : 'failed (no retries left)'}`,
      )
    }
  }
  const timer = setInterval(
    () => {
      tick().catch((error: unknown) =>
        log(`Heartbeat failed: ${error instanceof Error ? error.message : String(error)}`),
      )
    },
    Math.max(1, settings.leaseSeconds / 3) * 1000,
  )
  try {
    while (!stop.aborted) {
      if (running.size >= settings.concurrency) {
        await Promise.race([...[...running.values()].map((r) => r.done), stopped])
        continue
      }
      const job = await fetchJob(deps).catch((error: unknown) => {
        log(`Cannot fetch a job: ${error instanceof Error ? error.message : String(error)}`)
        return undefined
      })
      if (job === undefined) {
        await sleep(settings.pollSeconds * 1000, stop)
        continue
      }
      const controller = new AbortController()
      log(`Job ${job.id}: taken (attempt ${job.retryCount + 1})`)
      const done = runJob(job, deps, controller.signal)
        .then((end) =>
          log(
            `Job ${job.id}: ${end === undefined ? 'was cancelled before it started' : describeEnd(end)}`,
          ),
        )
        .catch((error: unknown) =>
          log(
            `Job ${job.id}: cannot record its end: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(() => running.delete(job.id))
      running.set(job.id, { controller, done })
    }
  } finally {
    clearInterval(timer)
    if (running.size > 0)
      log(
        `Worker ${name} stopping: stopping ${running.size} build(s) and handing them back to the queue`,
      )
    for (const build of running.values()) build.controller.abort(new InterruptedError('SIGTERM'))
    await Promise.all([...running.values()].map((r) => r.done))
    await retireWorker(db.pool, name).catch(() => undefined)
    log(`Worker ${name} stopped`)
  }
}

function describeEnd(end: {
  state: string
  errorCode?: string | undefined
  error?: string | undefined
}): string {
  if (end.state === 'completed') return 'completed'
  const why = `${end.errorCode ?? ''}: ${end.error ?? ''}`
  return end.state === 'retry' ? `failed, back in the queue (${why})` : `${end.state} (${why})`
}

async function fetchJob(deps: JobDeps): Promise<FetchedJob | undefined> {
  const [job] = await deps.boss.fetch(BUILD_QUEUE, { batchSize: 1, includeMetadata: true })
  return job === undefined
    ? undefined
    : { id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit }
}

/** What builds of a killed worker on this host left (mounts, loop devices, processes) goes first. */
async function releaseAbandonedBuilds(
  settings: Pick<WorkerSettings, 'runner' | 'log'>,
): Promise<void> {
  for (const { path, journal } of await findAbandonedBuilds(stateDir())) {
    const result = await recoverBuild(path, journal, {
      runner: settings.runner,
      reporter: silentReporter,
    })
    settings.log(
      `Released what build ${result.buildId} (pid ${journal.pid}) left: ${result.released.join(', ') || 'nothing'}`,
    )
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
