// The farm's database: pg-boss's queue (its own schema, "pgboss") and imagewright's build history
// beside it (schema "imagewright"): one row per build, its events, the element archives and the
// workers' heartbeats. The tables are created on first use, under a lock, so any number of
// workers and submitters may start at once.
import pg from 'pg'
import { PgBoss } from './pg-boss.ts'
import { FarmDatabaseError } from './farm-errors.ts'

export const BUILD_QUEUE = 'imagewright-build'
/**
 * How long pg-boss lets a build run before it takes the job back (the workers' own leases find
 * dead workers much sooner). pg-boss 10's createQueue keeps only `expireInSeconds`: an
 * `expireInHours` there is dropped and jobs expire after its default 15 minutes, mid-build.
 */
export const BUILD_EXPIRY_SECONDS = 12 * 3600

const SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS imagewright;
CREATE TABLE IF NOT EXISTS imagewright.builds (
  id uuid PRIMARY KEY,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  submitted_by text NOT NULL,
  command text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  state text NOT NULL,
  worker text,
  attempt integer NOT NULL DEFAULT 0,
  phase text,
  error_code text,
  error text,
  exit_code integer,
  outputs jsonb NOT NULL DEFAULT '[]',
  started_at timestamptz,
  finished_at timestamptz,
  cancel_requested_at timestamptz
);
CREATE TABLE IF NOT EXISTS imagewright.events (
  build_id uuid NOT NULL REFERENCES imagewright.builds (id) ON DELETE CASCADE,
  seq bigserial,
  attempt integer NOT NULL,
  worker text NOT NULL,
  time timestamptz NOT NULL,
  event jsonb NOT NULL,
  PRIMARY KEY (build_id, seq)
);
CREATE TABLE IF NOT EXISTS imagewright.bundles (
  digest text PRIMARY KEY,
  bytes integer NOT NULL,
  archive bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS imagewright.workers (
  name text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  concurrency integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  state text NOT NULL
);
`

/** One pool per command; released with `await using`. */
export interface FarmDb extends AsyncDisposable {
  readonly pool: pg.Pool
  readonly url: string
}

export async function openFarmDb(url: string): Promise<FarmDb> {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'imagewright' })
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined)
  try {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query("SELECT pg_advisory_xact_lock(hashtext('imagewright-farm-schema'))")
      await client.query(SCHEMA_SQL)
      await client.query('COMMIT')
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end()
    throw databaseError(url, error)
  }
  return { pool, url, [Symbol.asyncDispose]: () => pool.end() }
}

/** The farm's queue; `supervise` only in workers (it runs pg-boss's maintenance). */
export async function openQueue(
  url: string,
  options: { readonly supervise: boolean; readonly onError?: (error: Error) => void },
): Promise<PgBoss & AsyncDisposable> {
  const boss = new PgBoss({
    connectionString: url,
    max: 2,
    application_name: 'imagewright',
    supervise: options.supervise,
    schedule: false,
    migrate: true,
  })
  // pg-boss reports failures of its own timers (maintenance, supervision) as events.
  boss.on('error', options.onError ?? (() => undefined))
  try {
    await boss.start()
    if (!(await boss.getQueue(BUILD_QUEUE))) {
      await boss
        .createQueue(BUILD_QUEUE, {
          name: BUILD_QUEUE,
          retryLimit: 2,
          retryDelay: 2,
          expireInSeconds: BUILD_EXPIRY_SECONDS,
        })
        .catch(async (error: unknown) => {
          // Another process created it in the meantime.
          if (!(await boss.getQueue(BUILD_QUEUE))) throw error
        })
    }
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined)
    throw databaseError(url, error)
  }
  return Object.assign(boss, {
    [Symbol.asyncDispose]: () => boss.stop({ graceful: false, wait: true }),
  })
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')
}

export function databaseError(url: string, error: unknown): FarmDatabaseError {
  const reason = error instanceof Error ? error.message : String(error)
  return new FarmDatabaseError(`Cannot use the farm database ${redactUrl(url)}: ${reason}`, {
    hint: 'Check --db (or IMAGEWRIGHT_DB): a postgres:// URL of a server every builder reaches',
    cause: error,
  })
}
