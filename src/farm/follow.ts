// Reading a build while it runs: its events in order as they are stored, until it ends.
import type pg from 'pg'
import { type BuildRecord, type BuildState, getBuild } from './build-records.ts'
import { type StoredEvent, readEvents } from './event-store.ts'
import { FarmJobError } from './farm-errors.ts'

export const FINAL_STATES: ReadonlySet<BuildState> = new Set(['completed', 'failed', 'cancelled'])

export async function requireBuild(pool: pg.Pool, id: string): Promise<BuildRecord> {
  const record = /^[0-9a-f-]{36}$/i.test(id) ? await getBuild(pool, id) : undefined
  if (record === undefined) {
    throw new FarmJobError(`No build "${id}" in the farm database`, {
      hint: 'List the builds with: imagewright jobs',
    })
  }
  return record
}

/**
 * Hand every event of build `id` to `onEvent`; with `follow`, keep doing so until the build
 * ends (or `signal` aborts). Resolves with the build's record as it was last read.
 */
export async function followBuild(
  pool: pg.Pool,
  id: string,
  onEvent: (event: StoredEvent) => void,
  options: { readonly follow: boolean; readonly signal?: AbortSignal; readonly pollMs?: number },
): Promise<BuildRecord> {
  let seq = 0
  for (;;) {
    const record = await requireBuild(pool, id)
    for (const event of await readEvents(pool, id, seq)) {
      onEvent(event)
      seq = event.seq
    }
    // Read once more after the end is seen: the last events are stored before the state.
    if (!options.follow || FINAL_STATES.has(record.state) || options.signal?.aborted) {
      for (const event of await readEvents(pool, id, seq)) onEvent(event)
      return record
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500))
  }
}
