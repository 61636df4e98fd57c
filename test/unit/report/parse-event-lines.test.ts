import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigError } from '../../../src/errors.ts'
import type { BuildEvent, TimedEvent } from '../../../src/report/events.ts'
import { BUILD_EVENT_KINDS } from '../../../src/report/event-schema.ts'
import { lastBuildOf, parseEventLines } from '../../../src/report/parse-event-lines.ts'
import { JsonLinesReporter } from '../../../src/report/text-reporter.ts'

// One event of every kind, with the optional fields both given and left out.
const EVERY_KIND: readonly BuildEvent[] = [
  { kind: 'step-start', step: 'phase install.d', detail: '2 script(s), in the chroot' },
  { kind: 'step-start', step: 'resolve elements' },
  {
    kind: 'command',
    label: 'install.d/10-a (element e)',
    argv: ['chroot', '/mnt', 'run-hook', '--', 'x y'],
  },
  {
    kind: 'output',
    label: 'install.d/10-a (element e)',
    stream: 'stderr',
    line: 'E: "quoted" <b> & \\ \t tab',
  },
  {
    kind: 'script-end',
    phase: 'install.d',
    script: '10-a',
    element: 'e',
    durationMs: 1234.567,
    exitCode: 0,
  },
  {
    kind: 'phase-summary',
    phase: 'install.d',
    scripts: [{ script: '10-a', element: 'e', durationMs: 1234.567 }],
  },
  { kind: 'step-end', step: 'phase install.d', durationMs: 2000.5, ok: false },
  { kind: 'info', message: 'Elements: base vm' },
  { kind: 'warning', message: 'multi\nline' },
  { kind: 'resource', action: 'acquire', resource: 'loop device /dev/loop0 for /tmp/x.raw' },
  { kind: 'resource', action: 'release', resource: 'loop device /dev/loop0' },
  { kind: 'artifact', path: '/out/x.qcow2', format: 'qcow2', bytes: 123456789 },
  { kind: 'progress', task: 'convert to qcow2', done: 42, total: 100, unit: 'percent' },
  { kind: 'progress', task: 'apt', done: 3, unit: 'items' },
  {
    kind: 'packages',
    packages: [
      {
        name: 'bash',
        version: '5.2',
        arch: 'amd64',
        source: 'bash',
        sourceVersion: '5.2',
        license: 'GPL-3.0-or-later',
        installedBytes: 1024,
      },
    ],
  },
  {
    kind: 'disk-layout',
    disk: {
      bytes: 1 << 30,
      sectorSize: 512,
      table: 'gpt',
      partitions: [
        {
          name: 'ESP',
          startBytes: 1 << 20,
          bytes: 1 << 24,
          type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
          fstype: 'vfat',
          label: 'MKFS_ESP',
          mountPoint: '/boot/efi',
        },
      ],
    },
  },
  {
    kind: 'space-usage',
    totalBytes: 9999,
    directories: [{ name: '/usr', bytes: 9000 }],
    packages: [{ name: 'bash', bytes: 1024 }],
  },
  { kind: 'cache-hit', cache: 'phase', key: 'sha256:abc', what: 'root phase', savedMs: 60000 },
  {
    kind: 'cache-miss',
    cache: 'step',
    step: 'tree',
    key: 'abc',
    reason: 'changed: element marker: install.d/20-x',
  },
  { kind: 'build-end', ok: true, durationMs: 5000 },
  {
    kind: 'build-end',
    ok: false,
    durationMs: 5000,
    error: { code: 'ERR_HOOK_FAILED', message: 'Script "x" failed' },
  },
]

afterEach(() => {
  vi.useRealTimers()
})

describe('parseEventLines()', () => {
  it('reads back exactly what JsonLinesReporter wrote, with its times', () => {
    expect(new Set(EVERY_KIND.map((e) => e.kind))).toEqual(BUILD_EVENT_KINDS)
    vi.useFakeTimers()
    const start = Date.UTC(2025, 2, 1, 10, 0, 0, 125)
    let text = ''
    const reporter = new JsonLinesReporter((line) => {
      text += line
    })
    const expected: TimedEvent[] = EVERY_KIND.map((event, i) => {
      vi.setSystemTime(start + i * 1001)
      reporter.emit(event)
      return { time: start + i * 1001, event }
    })
    expect(text.split('\n')).toHaveLength(EVERY_KIND.length + 1)
    expect(parseEventLines(text, 'events.jsonl')).toEqual(expected)
  })

  it('skips blank lines and accepts CRLF line ends', () => {
    const line = '{"time":"2025-03-01T10:00:00.000Z","kind":"info","message":"hi"}'
    expect(parseEventLines(`\n${line}\r\n\n${line}\n`, 'f')).toEqual([
      { time: Date.UTC(2025, 2, 1, 10), event: { kind: 'info', message: 'hi' } },
      { time: Date.UTC(2025, 2, 1, 10), event: { kind: 'info', message: 'hi' } },
    ])
  })

  const good = '{"time":"2025-03-01T10:00:00.000Z","kind":"info","message":"ok"}'
  it.each([
    ['not JSON', '{"time": "2025', 'line 2 is not valid JSON'],
    ['an array', '[1,2]', 'line 2 is not a JSON object'],
    ['a bare string', '"step-start"', 'line 2 is not a JSON object'],
    ['no time', '{"kind":"info","message":"x"}', 'line 2 has no ISO "time": got nothing'],
    [
      'a time that is not ISO',
      '{"time":"yesterday","kind":"info","message":"x"}',
      'line 2 has no ISO "time": got "yesterday"',
    ],
    [
      'a numeric time',
      '{"time":1740823200000,"kind":"info","message":"x"}',
      'line 2 has no ISO "time": got 1740823200000',
    ],
    [
      'an unknown kind',
      '{"time":"2025-03-01T10:00:00Z","kind":"explode"}',
      'line 2 has an unknown event "kind": "explode"',
    ],
    [
      'a missing field',
      '{"time":"2025-03-01T10:00:00Z","kind":"step-end","step":"a","ok":true}',
      'line 2 is not a valid "step-end" event: durationMs: ',
    ],
    [
      'a field of the wrong type',
      '{"time":"2025-03-01T10:00:00Z","kind":"artifact","path":"p","format":"raw","bytes":"1"}',
      'line 2 is not a valid "artifact" event: bytes: ',
    ],
    [
      'a bad nested field',
      '{"time":"2025-03-01T10:00:00Z","kind":"build-end","ok":false,"durationMs":1,"error":{"code":"E"}}',
      'line 2 is not a valid "build-end" event: error.message: ',
    ],
    [
      'a bad enum value',
      '{"time":"2025-03-01T10:00:00Z","kind":"output","label":"l","stream":"stdin","line":""}',
      'line 2 is not a valid "output" event: stream: ',
    ],
  ])('rejects a line with %s, naming the file and the line', (_, line, reason) => {
    let error: unknown
    try {
      parseEventLines(`${good}\n${line}\n${good}\n`, '/logs/build.jsonl')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message.startsWith(`Cannot read build events from "/logs/build.jsonl": ${reason}`)).toBe(
      true,
    )
    expect(message).not.toContain('\n')
  })
})

describe('lastBuildOf()', () => {
  const ev = (time: number, event: BuildEvent): TimedEvent => ({ time, event })
  const end = (time: number): TimedEvent => ev(time, { kind: 'build-end', ok: true, durationMs: 1 })
  const info = (time: number): TimedEvent => ev(time, { kind: 'info', message: String(time) })

  it.each([
    ['one finished build', [info(1), end(2)], [1, 2]],
    ['one unfinished build', [info(1), info(2)], [1, 2]],
    ['two builds appended to one log', [info(1), end(2), info(3), end(4)], [3, 4]],
    ['a finished build and one still running', [info(1), end(2), info(3)], [3]],
  ])('keeps the last build of %s', (_, events, times) => {
    expect(lastBuildOf(events).map((e) => e.time)).toEqual(times)
  })
})
