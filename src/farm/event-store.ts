// A build's typed events, written to PostgreSQL as they happen and read back in order. The
// writer is a Reporter: buildImage does not know where its events go. Events are sent in small
// batches (at most a quarter second late) over one connection, so order is kept and a chatty
// hook does not cost one round trip per line.
import type pg from 'pg'
import type { BuildEvent, Reporter, TimedEvent } from '../report/events.ts'
import { BUILD_EVENT_SCHEMA } from '../report/event-schema.ts'
import * as v from 'valibot'

const FLUSH_MS = 250

export interface EventWriterTarget {
  readonly buildId: string
  readonly attempt: number
  readonly worker: string
}

export class DbEventWriter implements Reporter {
  readonly #pool: pg.Pool
  readonly #target: EventWriterTarget
  readonly #onError: (error: unknown) => void
  #pending: { time: Date; event: BuildEvent }[] = []
  #timer: NodeJS.Timeout | undefined
  #writing: Promise<void> = Promise.resolve()

  constructor(pool: pg.Pool, target: EventWriterTarget, onError: (error: unknown) => void) {
    this.#pool = pool
    this.#target = target
    this.#onError = onError
  }

  emit(event: BuildEvent): void {
    this.#pending.push({ time: new Date(), event })
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS)
  }

  /** Send what is pending; resolves once every event emitted so far is stored. */
  flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#pending
    this.#pending = []
    if (batch.length > 0)
      this.#writing = this.#writing.then(() => this.#write(batch)).catch(this.#onError)
    return this.#writing
  }

  async #write(batch: readonly { time: Date; event: BuildEvent }[]): Promise<void> {
    const { buildId, attempt, worker } = this.#target
    await this.#pool.query(
      `INSERT INTO imagewright.events (build_id, attempt, worker, time, event)
       SELECT $1, $2, $3, t, e FROM unnest($4::timestamptz[], $5::jsonb[]) WITH ORDINALITY AS x(t, e, n) ORDER BY n`,
      [
        buildId,
        attempt,
        worker,
        batch.map((b) => b.time),
        batch.map((b) => JSON.stringify(b.event)),
      ],
    )
    // The phase the build is in, for `imagewright jobs`.
    const step = batch.findLast((b) => b.event.kind === 'step-start')?.event
    if (step?.kind === 'step-start') {
      await this.#pool.query(
        'UPDATE imagewright.builds SET phase = $2 WHERE id = $1 AND attempt = $3',
        [buildId, step.step, attempt],
      )
    }
  }
}

export interface StoredEvent extends TimedEvent {
  readonly seq: number
  readonly attempt: number
  readonly worker: string
}

/** Events of one build after `afterSeq`, oldest first; rows that are not events are skipped. */
export async function readEvents(
  pool: pg.Pool,
  buildId: string,
  afterSeq = 0,
): Promise<StoredEvent[]> {
  const { rows } = await pool.query<{
    seq: string
    attempt: number
    worker: string
    time: Date
    event: unknown
  }>(
    'SELECT seq, attempt, worker, time, event FROM imagewright.events WHERE build_id = $1 AND seq > $2 ORDER BY seq',
    [buildId, afterSeq],
  )
  const events: StoredEvent[] = []
  for (const row of rows) {
    const parsed = v.safeParse(BUILD_EVENT_SCHEMA, row.event)
    if (parsed.success)
      events.push({
        seq: Number(row.seq),
        attempt: row.attempt,
        worker: row.worker,
        time: row.time.getTime(),
        event: parsed.output,
      })
  }
  return events
}
