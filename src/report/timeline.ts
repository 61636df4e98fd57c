// The timeline of a build: each step a bar placed by its start and sized by its duration,
// relative to the whole build, nested steps one level deeper, and a phase's scripts as rows
// under their phase. Only event times are used, so equal events give an equal timeline.
import type { BuildEvent, TimedEvent } from './events.ts'

export type RowStatus = 'ok' | 'failed' | 'unfinished'

export interface TimelineRow {
  readonly kind: 'step' | 'script'
  /** The step's name, or "<phase>/<script>" for a script. */
  readonly name: string
  /** The step's detail, or the element a script came from. */
  readonly detail: string | undefined
  readonly depth: number
  /** Milliseconds from the start of the build. */
  readonly offsetMs: number
  readonly durationMs: number
  readonly status: RowStatus
  /** A script's exit code, when an event said it. */
  readonly exitCode: number | undefined
  readonly leftPercent: number
  readonly widthPercent: number
}

export interface Timeline {
  /** Epoch milliseconds the build started at. */
  readonly origin: number
  /** Milliseconds from the start to the last event: the full width of the timeline. */
  readonly spanMs: number
  readonly rows: readonly TimelineRow[]
}

interface Node {
  readonly kind: 'step' | 'script'
  readonly name: string
  readonly detail: string | undefined
  readonly start: number
  durationMs: number | undefined
  status: RowStatus
  exitCode: number | undefined
  readonly children: Node[]
  /** For a phase: the script whose command started and has not ended yet. */
  running?: { readonly name: string; readonly element: string; readonly start: number } | undefined
}

// run-phase labels each hook command "<phase>.d/<script> (element <name>)"; a script whose
// end was never reported (a log cut short by a crash) is found from its command.
const HOOK_LABEL = /^([^/]+)\/(.+) \(element (.+)\)$/

type BuildEnd = Extract<BuildEvent, { kind: 'build-end' }>

export function buildTimeline(events: readonly TimedEvent[]): Timeline {
  const origin = buildOrigin(events)
  // A loop, not Math.max(...times): a build can have more output lines than a call has arguments.
  const last = events.reduce((latest, e) => Math.max(latest, e.time), origin)
  const roots: Node[] = []
  const open: Node[] = []
  const childrenOf = (): Node[] => open.at(-1)?.children ?? roots
  for (const { time, event } of events) {
    switch (event.kind) {
      case 'step-start': {
        const node = newNode('step', event.step, event.detail, time)
        childrenOf().push(node)
        open.push(node)
        break
      }
      case 'step-end': {
        const at = open.findLastIndex((n) => n.name === event.step)
        if (at < 0) {
          // The log began after this step had started.
          const node = newNode('step', event.step, undefined, time - event.durationMs)
          node.durationMs = event.durationMs
          node.status = statusOf(event.ok)
          childrenOf().push(node)
          break
        }
        for (const inner of open.splice(at + 1)) closeUnfinished(inner, time)
        const node = open.pop() as Node
        node.durationMs = event.durationMs
        node.status = statusOf(event.ok)
        if (!event.ok) addFailedScript(node, time)
        break
      }
      case 'command': {
        const match = HOOK_LABEL.exec(event.label)
        const top = open.at(-1)
        if (match && top?.name === `phase ${match[1] ?? ''}`) {
          top.running = {
            name: `${match[1] ?? ''}/${match[2] ?? ''}`,
            element: match[3] ?? '',
            start: time,
          }
        }
        break
      }
      case 'script-end': {
        const phase = open.findLast((n) => n.name === `phase ${event.phase}`)
        const script = newNode(
          'script',
          `${event.phase}/${event.script}`,
          event.element,
          time - event.durationMs,
        )
        script.durationMs = event.durationMs
        script.status = statusOf(event.exitCode === 0)
        script.exitCode = event.exitCode
        ;(phase?.children ?? childrenOf()).push(script)
        if (phase) phase.running = undefined
        break
      }
      default:
        break
    }
  }
  for (const node of open) closeUnfinished(node, last)
  const spanMs = Math.max(last - origin, 1)
  const rows: TimelineRow[] = []
  const flatten = (nodes: readonly Node[], depth: number): void => {
    for (const node of [...nodes].sort((a, b) => a.start - b.start)) {
      rows.push(toRow(node, depth, origin, spanMs))
      flatten(node.children, depth + 1)
    }
  }
  flatten(roots, 0)
  return { origin, spanMs, rows }
}

/** The build started at its first event, or earlier if its build-end event says so. */
export function buildOrigin(events: readonly TimedEvent[]): number {
  const first = events.reduce((earliest, e) => Math.min(earliest, e.time), Infinity)
  if (!Number.isFinite(first)) return 0
  const end = findBuildEnd(events)
  return end === undefined ? first : Math.min(first, Math.floor(end.time - end.event.durationMs))
}

export function findBuildEnd(
  events: readonly TimedEvent[],
): { readonly time: number; readonly event: BuildEnd } | undefined {
  const found = events.findLast((e) => e.event.kind === 'build-end')
  return found === undefined ? undefined : { time: found.time, event: found.event as BuildEnd }
}

function newNode(
  kind: Node['kind'],
  name: string,
  detail: string | undefined,
  start: number,
): Node {
  return {
    kind,
    name,
    detail,
    start,
    durationMs: undefined,
    status: 'unfinished',
    exitCode: undefined,
    children: [],
  }
}

function statusOf(ok: boolean): RowStatus {
  return ok ? 'ok' : 'failed'
}

function closeUnfinished(node: Node, time: number): void {
  node.durationMs = Math.max(time - node.start, 0)
  node.status = 'unfinished'
  if (node.running) node.children.push(runningScript(node.running, time, 'unfinished'))
  node.running = undefined
}

function addFailedScript(phase: Node, time: number): void {
  if (phase.running) phase.children.push(runningScript(phase.running, time, 'failed'))
  phase.running = undefined
}

function runningScript(
  running: NonNullable<Node['running']>,
  time: number,
  status: RowStatus,
): Node {
  const node = newNode('script', running.name, running.element, running.start)
  node.durationMs = Math.max(time - running.start, 0)
  node.status = status
  return node
}

function toRow(node: Node, depth: number, origin: number, spanMs: number): TimelineRow {
  const offsetMs = node.start - origin
  const durationMs = node.durationMs ?? 0
  const leftPercent = clamp((offsetMs / spanMs) * 100, 0, 100)
  const widthPercent = clamp((durationMs / spanMs) * 100, 0, 100 - leftPercent)
  return {
    kind: node.kind,
    name: node.name,
    detail: node.detail,
    depth,
    offsetMs,
    durationMs,
    status: node.status,
    exitCode: node.exitCode,
    leftPercent,
    widthPercent,
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high)
}
