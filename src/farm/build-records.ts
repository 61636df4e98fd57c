// imagewright.builds: one row per submitted build, the farm's history. pg-boss holds the queue;
// this table says what each build did: its state, the worker and attempt, the phase it is in,
// the last error and the outputs. Every write by a worker names the attempt it belongs to, so a
// worker that lost its lease cannot overwrite the record of the attempt that replaced it.
import type pg from 'pg'

export const BUILD_STATES = [
  'created',
  'retry',
  'active',
  'completed',
  'failed',
  'cancelled',
] as const
export type BuildState = (typeof BUILD_STATES)[number]

export interface BuildOutput {
  /** Path inside the artefact store: <job id>/<file>. */
  readonly path: string
  readonly bytes: number
  /** A file written beside the images (checksum, SBOM, manifest), not an image. */
  readonly beside?: true
}

export interface BuildRecord {
  readonly id: string
  readonly submittedAt: Date
  readonly submittedBy: string
  readonly command: string
  readonly priority: number
  readonly state: BuildState
  readonly worker: string | null
  readonly attempt: number
  readonly phase: string | null
  readonly errorCode: string | null
  readonly error: string | null
  readonly exitCode: number | null
  readonly outputs: readonly BuildOutput[]
  readonly startedAt: Date | null
  readonly finishedAt: Date | null
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>

interface BuildRow {
  id: string
  submitted_at: Date
  submitted_by: string
  command: string
  priority: number
  state: BuildState
  worker: string | null
  attempt: number
  phase: string | null
  error_code: string | null
  error: string | null
  exit_code: number | null
  outputs: BuildOutput[]
  started_at: Date | null
  finished_at: Date | null
}

function toRecord(row: BuildRow): BuildRecord {
  return {
    id: row.id,
    submittedAt: row.submitted_at,
    submittedBy: row.submitted_by,
    command: row.command,
    priority: row.priority,
    state: row.state,
    worker: row.worker,
    attempt: row.attempt,
    phase: row.phase,
    errorCode: row.error_code,
    error: row.error,
    exitCode: row.exit_code,
    outputs: row.outputs,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }
}

export async function insertBuild(
  db: Queryable,
  build: {
    id: string
    submittedBy: string
    command: string
    priority: number
    state: BuildState
    errorCode?: string
    error?: string
    exitCode?: number
  },
): Promise<void> {
  const finished = build.state === 'failed' ? new Date() : null
  await db.query(
    `INSERT INTO imagewright.builds (id, submitted_by, command, priority, state, error_code, error, exit_code, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      build.id,
      build.submittedBy,
      build.command,
      build.priority,
      build.state,
      build.errorCode ?? null,
      build.error ?? null,
      build.exitCode ?? null,
      finished,
    ],
  )
}

/** A worker took the build: unless it was cancelled meanwhile (then false). */
export async function markActive(
  db: Queryable,
  id: string,
  worker: string,
  attempt: number,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE imagewright.builds SET state = 'active', worker = $2, attempt = $3, phase = NULL, started_at = now(), finished_at = NULL
     WHERE id = $1 AND state <> 'cancelled' AND cancel_requested_at IS NULL`,
    [id, worker, attempt],
  )
  return result.rowCount === 1
}

export interface BuildEnd {
  readonly state: Exclude<BuildState, 'created' | 'active'>
  readonly errorCode?: string | undefined
  readonly error?: string | undefined
  readonly exitCode: number
  readonly outputs?: readonly BuildOutput[]
}

/** Record how an attempt ended; false when the attempt is no longer the build's current one. */
export async function markEnded(
  db: Queryable,
  id: string,
  attempt: number,
  end: BuildEnd,
): Promise<boolean> {
  const result = await db.query(
    `UPDATE imagewright.builds SET state = $3, error_code = $4, error = $5, exit_code = $6, outputs = $7,
       finished_at = CASE WHEN $3 = 'retry' THEN NULL ELSE now() END
     WHERE id = $1 AND attempt = $2 AND state = 'active'`,
    [
      id,
      attempt,
      end.state,
      end.errorCode ?? null,
      end.error ?? null,
      end.exitCode,
      JSON.stringify(end.outputs ?? []),
    ],
  )
  return result.rowCount === 1
}

export async function getBuild(db: Queryable, id: string): Promise<BuildRecord | undefined> {
  const { rows } = await db.query<BuildRow>('SELECT * FROM imagewright.builds WHERE id = $1', [id])
  return rows[0] === undefined ? undefined : toRecord(rows[0])
}

export async function listBuilds(db: Queryable, limit: number): Promise<BuildRecord[]> {
  const { rows } = await db.query<BuildRow>(
    'SELECT * FROM imagewright.builds ORDER BY submitted_at DESC, id LIMIT $1',
    [limit],
  )
  return rows.map(toRecord)
}

/**
 * Ask for a build to stop. A build still waiting is cancelled at once; a running one is marked
 * and its worker stops it. Returns the state the build was in, or undefined if there is none.
 */
export async function requestCancel(db: Queryable, id: string): Promise<BuildState | undefined> {
  const { rows } = await db.query<{ before: BuildState }>(
    `UPDATE imagewright.builds b SET cancel_requested_at = now(),
       state = CASE WHEN b.state IN ('created', 'retry') THEN 'cancelled' ELSE b.state END,
       finished_at = CASE WHEN b.state IN ('created', 'retry') THEN now() ELSE b.finished_at END,
       error_code = CASE WHEN b.state IN ('created', 'retry') THEN 'ERR_CANCELLED' ELSE b.error_code END
     FROM imagewright.builds old WHERE b.id = $1 AND old.id = b.id
     RETURNING old.state AS before`,
    [id],
  )
  return rows[0]?.before
}

/** Of the builds `ids`, those someone asked to cancel. */
export async function cancelRequested(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM imagewright.builds WHERE id = ANY($1::uuid[]) AND cancel_requested_at IS NOT NULL',
    [ids],
  )
  return rows.map((r) => r.id)
}
