// A build's lease is its worker's heartbeat. Every worker writes `last_seen` every few seconds;
// a worker that has not for longer than the lease (killed with -9, its machine gone, cut off
// from the database) is declared lost by whichever live worker notices first, and each build it
// held is failed in pg-boss, which puts it back in the queue for another worker until the
// job's retry limit is spent. pg-boss's own expiry (hours) stays as the backstop for a job
// taken by a worker that died before it could say so.
import type pg from 'pg'
import type { PgBoss } from './pg-boss.ts'
import { BUILD_QUEUE } from './farm-db.ts'

export interface WorkerIdentity {
  readonly name: string
  readonly host: string
  readonly pid: number
  readonly concurrency: number
}

export async function registerWorker(pool: pg.Pool, worker: WorkerIdentity): Promise<void> {
  await pool.query(
    `INSERT INTO imagewright.workers (name, host, pid, concurrency, state) VALUES ($1, $2, $3, $4, 'running')
     ON CONFLICT (name) DO UPDATE SET host = $2, pid = $3, concurrency = $4, state = 'running', started_at = now(), last_seen = now()`,
    [worker.name, worker.host, worker.pid, worker.concurrency],
  )
}

/** Renew the lease; false when this worker was already declared lost (its builds went back). */
export async function heartbeat(pool: pg.Pool, name: string): Promise<boolean> {
  const result = await pool.query(
    "UPDATE imagewright.workers SET last_seen = now() WHERE name = $1 AND state = 'running'",
    [name],
  )
  return result.rowCount === 1
}

export async function retireWorker(pool: pg.Pool, name: string): Promise<void> {
  await pool.query(
    "UPDATE imagewright.workers SET state = 'stopped', last_seen = now() WHERE name = $1",
    [name],
  )
}

export interface ReclaimedBuild {
  readonly id: string
  readonly worker: string
  readonly state: 'retry' | 'failed'
}

/**
 * Declare workers silent for longer than `leaseSeconds` lost and put their active builds back in
 * the queue (or fail them when their retries are spent). Only one caller wins each worker.
 */
export async function reclaimLostBuilds(
  pool: pg.Pool,
  boss: PgBoss,
  leaseSeconds: number,
): Promise<ReclaimedBuild[]> {
  const { rows: lost } = await pool.query<{ name: string; last_seen: Date }>(
    `UPDATE imagewright.workers SET state = 'lost'
     WHERE state = 'running' AND last_seen < now() - make_interval(secs => $1) RETURNING name, last_seen`,
    [leaseSeconds],
  )
  const reclaimed: ReclaimedBuild[] = []
  for (const worker of lost) {
    const { rows: builds } = await pool.query<{ id: string; attempt: number; cancelled: boolean }>(
      "SELECT id, attempt, cancel_requested_at IS NOT NULL AS cancelled FROM imagewright.builds WHERE worker = $1 AND state = 'active'",
      [worker.name],
    )
    for (const build of builds) {
      if (build.cancelled) {
        await boss.cancel(BUILD_QUEUE, build.id)
        await pool.query(
          "UPDATE imagewright.builds SET state = 'cancelled', error_code = 'ERR_CANCELLED', finished_at = now() WHERE id = $1 AND attempt = $2 AND state = 'active'",
          [build.id, build.attempt],
        )
        continue
      }
      const message = `Worker ${worker.name} stopped answering (last seen ${worker.last_seen.toISOString()}, lease ${leaseSeconds}s)`
      await boss.fail(BUILD_QUEUE, build.id, { code: 'ERR_WORKER_LOST', message })
      const job = await boss.getJobById(BUILD_QUEUE, build.id, { includeArchive: true })
      const state = job?.state === 'retry' || job?.state === 'created' ? 'retry' : 'failed'
      await pool.query(
        `UPDATE imagewright.builds SET state = $3, error_code = 'ERR_WORKER_LOST', error = $4, exit_code = 1,
           finished_at = CASE WHEN $3 = 'failed' THEN now() ELSE NULL END
         WHERE id = $1 AND attempt = $2 AND state = 'active'`,
        [build.id, build.attempt, state, message],
      )
      reclaimed.push({ id: build.id, worker: worker.name, state })
    }
  }
  return reclaimed
}
