// The tables of the HTML report, read from the event stream: warnings, artifacts, resources
// taken and released, and the output that came just before a failure.
import type { TimedEvent } from './events.ts'

export interface ResourceRow {
  readonly resource: string
  /** Milliseconds from the build's start; undefined when the log does not show it. */
  readonly acquiredMs: number | undefined
  releasedMs: number | undefined
}

export interface OutputLine {
  readonly label: string
  readonly stream: 'stdout' | 'stderr'
  readonly line: string
}

export interface WarningRow {
  readonly offsetMs: number
  readonly message: string
}

export interface ArtifactRow {
  readonly path: string
  readonly format: string
  readonly bytes: number
}

/**
 * Each acquire with the release that ended it. Loop devices are taken as "loop device X for
 * IMAGE" and given back as "loop device X", so a release also closes the "… for …" form.
 */
export function pairResources(events: readonly TimedEvent[], origin: number): ResourceRow[] {
  const rows: ResourceRow[] = []
  for (const { time, event } of events) {
    if (event.kind !== 'resource') continue
    if (event.action === 'acquire') {
      rows.push({ resource: event.resource, acquiredMs: time - origin, releasedMs: undefined })
      continue
    }
    const held = rows.findLast(
      (row) =>
        row.acquiredMs !== undefined &&
        row.releasedMs === undefined &&
        (row.resource === event.resource || row.resource.startsWith(`${event.resource} for `)),
    )
    if (held) held.releasedMs = time - origin
    else rows.push({ resource: event.resource, acquiredMs: undefined, releasedMs: time - origin })
  }
  return rows
}

export function isUnreleased(row: ResourceRow): boolean {
  return row.acquiredMs !== undefined && row.releasedMs === undefined
}

export function collectWarnings(events: readonly TimedEvent[], origin: number): WarningRow[] {
  return events.flatMap(({ time, event }) =>
    event.kind === 'warning' ? [{ offsetMs: time - origin, message: event.message }] : [],
  )
}

export function collectArtifacts(events: readonly TimedEvent[]): ArtifactRow[] {
  return events.flatMap(({ event }) =>
    event.kind === 'artifact'
      ? [{ path: event.path, format: event.format, bytes: event.bytes }]
      : [],
  )
}

/** The last `count` lines commands printed: what a reader of a failed build looks at first. */
export function outputTail(events: readonly TimedEvent[], count: number): OutputLine[] {
  const lines: OutputLine[] = []
  for (let i = events.length - 1; i >= 0 && lines.length < count; i--) {
    const event = events[i]?.event
    if (event?.kind === 'output')
      lines.push({ label: event.label, stream: event.stream, line: event.line })
  }
  return lines.reverse()
}
