import { describe, expect, it } from 'vitest'
import { formatKiB, isSet, parseDu, usageReport } from '../../../src/pipeline/image-usage.ts'

const DU = [
  '4\t/b/built/etc/hostname',
  '20480\t/b/built/usr/lib/big',
  '1048576\t/b/built/usr',
  '9000\t/b/built/var',
  '1100000\ttotal',
  '',
].join('\n')

describe('DIB_SHOW_IMAGE_USAGE report', () => {
  it('parses du -a -c lines, total included', () => {
    expect(parseDu(DU)).toHaveLength(5)
    expect(parseDu(DU)[4]).toEqual({ kib: 1_100_000, path: 'total' })
  })

  it.each([
    [4, '4KiB'],
    [1024, '1.0MiB'],
    [9000, '8.8MiB'],
    [20480, '20MiB'],
    [1048576, '1.0GiB'],
    [1100000, '1.1GiB'],
  ])('formats %i KiB as %s', (kib, text) => {
    expect(formatKiB(kib)).toBe(text)
  })

  it('shows entries of 10 MiB or more, biggest first, by default', () => {
    expect(usageReport(parseDu(DU), false)).toEqual([
      '=================================',
      'Image size report (files > 10MiB)',
      '=================================',
      ' 1.1GiB total',
      ' 1.0GiB /b/built/usr',
      '  20MiB /b/built/usr/lib/big',
    ])
  })

  it('shows everything with DIB_SHOW_IMAGE_USAGE_FULL', () => {
    const report = usageReport(parseDu(DU), true)
    expect(report[1]).toBe('Image size report')
    expect(report.slice(3).map((line) => line.trim().split(' ')[1])).toEqual([
      'total',
      '/b/built/usr',
      '/b/built/usr/lib/big',
      '/b/built/var',
      '/b/built/etc/hostname',
    ])
  })

  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['1', true],
    ['yes', true],
  ])('treats %j as set: %s', (value, set) => {
    expect(isSet(value)).toBe(set)
  })
})
