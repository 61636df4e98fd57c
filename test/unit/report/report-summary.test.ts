import { describe, expect, it } from 'vitest'
import type { BuildEvent, TimedEvent } from '../../../src/report/events.ts'
import { isUnreleased, outputTail, pairResources } from '../../../src/report/report-summary.ts'

const at = (time: number, event: BuildEvent): TimedEvent => ({ time, event })
const take = (time: number, resource: string): TimedEvent =>
  at(time, { kind: 'resource', action: 'acquire', resource })
const give = (time: number, resource: string): TimedEvent =>
  at(time, { kind: 'resource', action: 'release', resource })

describe('pairResources()', () => {
  it.each([
    [
      'a mount released under the same name',
      [take(1, 'mount /m'), give(5, 'mount /m')],
      [['mount /m', 0, 4, false]],
    ],
    [
      'a loop device released without its image',
      [take(1, 'loop device /dev/loop3 for /i.raw'), give(2, 'loop device /dev/loop3')],
      [['loop device /dev/loop3 for /i.raw', 0, 1, false]],
    ],
    ['a mount never released', [take(1, 'mount /m')], [['mount /m', 0, undefined, true]]],
    [
      'a release of something taken before the log began',
      [give(3, 'mount /old')],
      [['mount /old', undefined, 2, false]],
    ],
    [
      'a device taken twice, the second time kept',
      [
        take(1, 'loop device /dev/loop0 for /a'),
        give(2, 'loop device /dev/loop0'),
        take(3, 'loop device /dev/loop0 for /b'),
      ],
      [
        ['loop device /dev/loop0 for /a', 0, 1, false],
        ['loop device /dev/loop0 for /b', 2, undefined, true],
      ],
    ],
    [
      'nested mounts released children first',
      [
        take(1, 'mount /m'),
        take(2, 'mount /m/boot'),
        give(3, 'mount /m/boot'),
        give(4, 'mount /m'),
      ],
      [
        ['mount /m', 0, 3, false],
        ['mount /m/boot', 1, 2, false],
      ],
    ],
    [
      'a prefix that is not the same device',
      [take(1, 'loop device /dev/loop10 for /a'), give(2, 'loop device /dev/loop1')],
      [
        ['loop device /dev/loop10 for /a', 0, undefined, true],
        ['loop device /dev/loop1', undefined, 1, false],
      ],
    ],
  ])('pairs %s', (_, events, expected) => {
    expect(
      pairResources(events, 1).map((r) => [
        r.resource,
        r.acquiredMs,
        r.releasedMs,
        isUnreleased(r),
      ]),
    ).toEqual(expected)
  })
})

describe('outputTail()', () => {
  it('keeps the last lines, in order, skipping other events', () => {
    const events = [
      at(1, { kind: 'output', label: 'a', stream: 'stdout', line: '1' }),
      at(2, { kind: 'output', label: 'a', stream: 'stderr', line: '2' }),
      at(3, { kind: 'info', message: 'between' }),
      at(4, { kind: 'output', label: 'b', stream: 'stdout', line: '3' }),
    ]
    expect(outputTail(events, 2)).toEqual([
      { label: 'a', stream: 'stderr', line: '2' },
      { label: 'b', stream: 'stdout', line: '3' },
    ])
    expect(outputTail(events, 10).map((l) => l.line)).toEqual(['1', '2', '3'])
  })
})
