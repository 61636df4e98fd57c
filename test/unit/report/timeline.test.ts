import { describe, expect, it } from 'vitest'
import type { BuildEvent, TimedEvent } from '../../../src/report/events.ts'
import { buildTimeline } from '../../../src/report/timeline.ts'

const T0 = Date.UTC(2025, 2, 1, 10, 0, 0)
const at = (ms: number, event: BuildEvent): TimedEvent => ({ time: T0 + ms, event })
const start = (ms: number, step: string): TimedEvent => at(ms, { kind: 'step-start', step })
const end = (ms: number, step: string, durationMs: number, ok = true): TimedEvent =>
  at(ms, { kind: 'step-end', step, durationMs, ok })
const hook = (ms: number, phase: string, script: string, element: string): TimedEvent =>
  at(ms, { kind: 'command', label: `${phase}/${script} (element ${element})`, argv: ['run-hook'] })
const scriptEnd = (
  ms: number,
  phase: string,
  script: string,
  durationMs: number,
  exitCode = 0,
): TimedEvent => at(ms, { kind: 'script-end', phase, script, element: 'el', durationMs, exitCode })
const buildEnd = (ms: number, durationMs: number, ok = true): TimedEvent =>
  at(ms, { kind: 'build-end', ok, durationMs })

const summary = (events: readonly TimedEvent[]) =>
  buildTimeline(events).rows.map((r) => [
    r.kind,
    r.name,
    r.depth,
    r.leftPercent,
    r.widthPercent,
    r.status,
  ])

describe('buildTimeline()', () => {
  it('places and sizes each bar by its start and duration over the whole build', () => {
    const timeline = buildTimeline([
      start(0, 'resolve elements'),
      end(1_000, 'resolve elements', 1_000),
      start(2_500, 'phase root.d'),
      end(4_500, 'phase root.d', 2_000),
      buildEnd(10_000, 10_000),
    ])
    expect(timeline.origin).toBe(T0)
    expect(timeline.spanMs).toBe(10_000)
    expect(
      timeline.rows.map((r) => [r.name, r.offsetMs, r.durationMs, r.leftPercent, r.widthPercent]),
    ).toEqual([
      ['resolve elements', 0, 1_000, 0, 10],
      ['phase root.d', 2_500, 2_000, 25, 20],
    ])
  })

  it('starts the build where build-end says it began, before the first event', () => {
    const timeline = buildTimeline([
      start(1_000, 'a'),
      end(3_000, 'a', 2_000),
      buildEnd(4_000, 4_000),
    ])
    expect(timeline.origin).toBe(T0)
    expect(timeline.rows[0]).toMatchObject({ offsetMs: 1_000, leftPercent: 25, widthPercent: 50 })
  })

  it("indents nested steps by depth and puts a phase's scripts under it in start order", () => {
    expect(
      summary([
        start(0, 'outer'),
        start(0, 'phase install.d'),
        hook(0, 'install.d', '10-a', 'el'),
        scriptEnd(3_000, 'install.d', '10-a', 3_000),
        hook(3_000, 'install.d', '20-b', 'el'),
        scriptEnd(4_000, 'install.d', '20-b', 1_000),
        end(4_000, 'phase install.d', 4_000),
        start(4_000, 'inner'),
        end(5_000, 'inner', 1_000),
        end(5_000, 'outer', 5_000),
        start(5_000, 'last'),
        end(10_000, 'last', 5_000),
      ]),
    ).toEqual([
      ['step', 'outer', 0, 0, 50, 'ok'],
      ['step', 'phase install.d', 1, 0, 40, 'ok'],
      ['script', 'install.d/10-a', 2, 0, 30, 'ok'],
      ['script', 'install.d/20-b', 2, 30, 10, 'ok'],
      ['step', 'inner', 1, 40, 10, 'ok'],
      ['step', 'last', 0, 50, 50, 'ok'],
    ])
  })

  it('marks a failed step, and the script whose command was running when its phase failed', () => {
    const rows = buildTimeline([
      start(0, 'phase install.d'),
      hook(0, 'install.d', '10-ok', 'good'),
      scriptEnd(2_000, 'install.d', '10-ok', 2_000),
      hook(2_000, 'install.d', '50-broken', 'bad'),
      end(8_000, 'phase install.d', 8_000, false),
      buildEnd(10_000, 10_000, false),
    ]).rows
    expect(rows.map((r) => [r.name, r.detail, r.status, r.leftPercent, r.widthPercent])).toEqual([
      ['phase install.d', undefined, 'failed', 0, 80],
      ['install.d/10-ok', 'el', 'ok', 0, 20],
      ['install.d/50-broken', 'bad', 'failed', 20, 60],
    ])
  })

  it('marks a script-end with a non-zero exit code as failed and keeps its code', () => {
    const rows = buildTimeline([
      start(0, 'phase root.d'),
      scriptEnd(1_000, 'root.d', '10-x', 1_000, 3),
      end(1_000, 'phase root.d', 1_000, false),
    ]).rows
    expect(rows.filter((r) => r.kind === 'script').map((r) => [r.status, r.exitCode])).toEqual([
      ['failed', 3],
    ])
  })

  it('runs steps that never ended to the last event as unfinished, with the script they were in', () => {
    const rows = buildTimeline([
      start(0, 'phase install.d'),
      hook(1_000, 'install.d', '10-hang', 'el'),
      at(4_000, {
        kind: 'output',
        label: 'install.d/10-hang (element el)',
        stream: 'stdout',
        line: 'x',
      }),
    ]).rows
    expect(rows.map((r) => [r.name, r.status, r.leftPercent, r.widthPercent])).toEqual([
      ['phase install.d', 'unfinished', 0, 100],
      ['install.d/10-hang', 'unfinished', 25, 75],
    ])
  })

  it("ignores commands that are not the running phase's hooks", () => {
    const rows = buildTimeline([
      start(0, 'assemble disk'),
      at(0, { kind: 'command', label: 'install.d/10-x (element e)', argv: ['losetup'] }),
      end(1_000, 'assemble disk', 1_000, false),
    ]).rows
    expect(rows.map((r) => r.name)).toEqual(['assemble disk'])
  })

  it('keeps bars inside the timeline when a duration overshoots the last event', () => {
    const rows = buildTimeline([
      start(0, 'a'),
      start(5_000, 'b'),
      end(10_000, 'b', 9_000),
      end(10_000, 'a', 10_000),
    ]).rows
    expect(rows.map((r) => [r.name, r.leftPercent, r.widthPercent])).toEqual([
      ['a', 0, 100],
      ['b', 50, 50],
    ])
  })

  it('gives an empty timeline for no events', () => {
    expect(buildTimeline([])).toEqual({ origin: 0, spanMs: 1, rows: [] })
  })
})
