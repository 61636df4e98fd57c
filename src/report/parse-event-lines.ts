// Reads a --json-log file back into timed events: one JSON object per line, as
// JsonLinesReporter writes them ({ "time": ISO date, ...event }). The first bad line stops the
// read with an error naming the file and the line.
import * as v from 'valibot'
import { ConfigError } from '../errors.ts'
import { BUILD_EVENT_KINDS, BUILD_EVENT_SCHEMA } from './event-schema.ts'
import type { TimedEvent } from './events.ts'

export function parseEventLines(text: string, file: string): TimedEvent[] {
  const events: TimedEvent[] = []
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '') return
    const parsed = parseLine(line)
    if (typeof parsed === 'string') {
      throw new ConfigError(
        `Cannot read build events from "${file}": line ${index + 1} ${parsed}`,
        {
          hint: 'Give it the file --json-log (IMAGEWRIGHT_JSON_LOG) wrote, unchanged',
        },
      )
    }
    events.push(parsed)
  })
  return events
}

/** The timed event on one line, or what is wrong with it. */
function parseLine(line: string): TimedEvent | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'is not valid JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'is not a JSON object'
  const { time, ...fields } = value as Record<string, unknown>
  const at = typeof time === 'string' && ISO_TIME.test(time) ? Date.parse(time) : Number.NaN
  if (!Number.isFinite(at)) return `has no ISO "time": got ${JSON.stringify(time) ?? 'nothing'}`
  const kind = fields['kind']
  if (typeof kind !== 'string' || !BUILD_EVENT_KINDS.has(kind))
    return `has an unknown event "kind": ${JSON.stringify(kind) ?? 'nothing'}`
  const result = v.safeParse(BUILD_EVENT_SCHEMA, fields)
  if (!result.success) {
    const [issue] = result.issues
    return `is not a valid "${kind}" event: ${v.getDotPath(issue) ?? 'value'}: ${issue.message}`
  }
  return { time: at, event: result.output }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/

/** --json-log appends, so one file can hold several builds: keep the events of the last one. */
export function lastBuildOf(events: readonly TimedEvent[]): readonly TimedEvent[] {
  const ends = events.flatMap((e, i) => (e.event.kind === 'build-end' ? [i] : []))
  const endOfPrevious = ends.at(-1) === events.length - 1 ? ends.at(-2) : ends.at(-1)
  return endOfPrevious === undefined ? events : events.slice(endOfPrevious + 1)
}
