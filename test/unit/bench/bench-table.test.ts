// The side-by-side benchmark's table (scripts/bench-table.mjs): the targets of issue #11 are
// judged from the numbers, and what did not run or failed says so instead of a number.
import { describe, expect, it } from 'vitest'
import {
  ROWS,
  evaluateTarget,
  formatTable,
  formatValue,
  type Results,
} from '../../../scripts/bench-table.mjs'

const run = (seconds: number, more: Record<string, number> = {}) => ({
  seconds,
  peakTreeMB: 100,
  peakProcessMB: 60,
  maxRssMB: 70,
  ...more,
})

const full: Results = {
  dib: {
    cold: run(300, { sizeMiB: 320, peakTreeMB: 140, maxRssMB: 144 }),
    warm: run(260),
    noop: run(255),
    finalise: run(250),
    install: run(250),
    boot: run(40, { peakTreeMB: 900, maxRssMB: 900 }),
  },
  iw: {
    cold: run(110, { sizeMiB: 240, peakTreeMB: 120, maxRssMB: 124 }),
    warm: run(100),
    noop: run(2.5),
    finalise: run(20),
    install: run(60),
    boot: run(38),
  },
}

/** The cells of the table row whose label starts with `label`. */
function cells(table: string, label: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`| ${label}`))
  if (line === undefined) throw new Error(`no row ${label}`)
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim())
}

describe('evaluateTarget', () => {
  const ratio = { kind: 'ratio', max: 0.4, text: '≤ 0.4× DIB' } as const
  const absolute = { kind: 'absolute', max: 5, text: '≤ 5 s' } as const
  it.each([
    [ratio, 300, 120, 'pass'],
    [ratio, 300, 121, 'FAIL'],
    [ratio, undefined, 100, 'not measured'],
    [ratio, 'failed (exit 1)', 100, 'not measured'],
    [ratio, 300, 'failed (exit 1)', 'not measured'],
    [absolute, undefined, 5, 'pass'],
    [absolute, 300, 5.01, 'FAIL'],
    [undefined, 300, 100, ''],
  ] as const)('%o with DIB %s and imagewright %s: %s', (target, dib, iw, verdict) => {
    expect(evaluateTarget(target, dib, iw)).toBe(verdict)
  })
})

describe('formatValue', () => {
  it('shows seconds under 10 with a decimal, larger numbers whole, and text as it is', () => {
    expect(formatValue(2.54, 's')).toBe('2.5 s')
    expect(formatValue(314.6, 's')).toBe('315 s')
    expect(formatValue(143.9, 'MB')).toBe('144 MB')
    expect(formatValue(undefined, 's')).toBe('not measured')
    expect(formatValue('failed (exit 1) | x', 's')).toBe('failed (exit 1) / x')
  })
})

describe('formatTable', () => {
  it('has every row under the header, with ratios and verdicts', () => {
    const table = formatTable(full, ['Measured somewhere'])
    expect(table.startsWith('Measured somewhere\n\n| | DIB 3.13 | imagewright |')).toBe(true)
    expect(table.trimEnd().split('\n')).toHaveLength(4 + ROWS.length)
    expect(cells(table, 'cold build')).toEqual([
      'cold build (empty image cache)',
      '300 s',
      '110 s',
      '0.37×',
      '≤ 0.4× DIB',
      'pass',
    ])
    expect(cells(table, 'no-op')).toEqual([
      'no-op rebuild (same build again)',
      '255 s',
      '2.5 s',
      '0.01×',
      '≤ 5 s',
      'pass',
    ])
    expect(cells(table, 'edit of one finalise.d').slice(3)).toEqual(['0.08×', '≤ 0.1× DIB', 'pass'])
    expect(cells(table, 'edit of one install.d').slice(4)).toEqual(['', ''])
    expect(cells(table, 'image size').slice(1, 3)).toEqual(['320 MiB', '240 MiB'])
  })

  it('takes the peak memory over the builds, not the boot (QEMU is not the builder)', () => {
    const table = formatTable(full, [])
    expect(cells(table, 'peak RSS of the builder').slice(1)).toEqual([
      '144 MB',
      '124 MB',
      '0.86×',
      '≤ 150 MB',
      'pass',
    ])
    expect(cells(table, 'peak memory of the whole').slice(1)).toEqual([
      '140 MB',
      '120 MB',
      '0.86×',
      '',
      '',
    ])
  })

  it("shows a run measured without GNU time as a lower bound, not as the builder's peak", () => {
    const sampledOnly: Results = {
      dib: { cold: { seconds: 300, peakTreeMB: 221, peakProcessMB: 148 } },
      iw: { cold: run(110, { maxRssMB: 131 }) },
    }
    expect(cells(formatTable(sampledOnly, []), 'peak RSS of the builder').slice(1)).toEqual([
      '≥ 148 MB (sampled)',
      '131 MB',
      '',
      '≤ 150 MB',
      'pass',
    ])
  })

  it('says "not measured" for steps that did not run and shows a failure instead of its time', () => {
    const partial: Results = {
      dib: { cold: { error: 'failed (exit 1)' } },
      iw: { cold: run(500, { sizeMiB: 400, maxRssMB: 200 }) },
    }
    const table = formatTable(partial, [])
    expect(cells(table, 'cold build').slice(1)).toEqual([
      'failed (exit 1)',
      '500 s',
      '',
      '≤ 0.4× DIB',
      'not measured',
    ])
    expect(cells(table, 'no-op').slice(1)).toEqual([
      'not measured',
      'not measured',
      '',
      '≤ 5 s',
      'not measured',
    ])
    expect(cells(table, 'image size').slice(1)).toEqual([
      'failed (exit 1)',
      '400 MiB',
      '',
      '≤ DIB',
      'not measured',
    ])
    expect(cells(table, 'peak RSS of the builder').slice(1)).toEqual([
      'not measured',
      '200 MB',
      '',
      '≤ 150 MB',
      'FAIL',
    ])
  })
})
