import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.ts'
import {
  formatBytes,
  parseSize,
  parseSizeOrPercent,
  resolveSizeSpec,
} from '../../../src/util/size.ts'

describe('parseSize()', () => {
  it.each([
    ['1TiB', 1024 ** 4],
    ['1GiB', 1024 ** 3],
    ['8MiB', 8 * 1024 ** 2],
    ['4KiB', 4096],
    ['1TB', 1e12],
    ['2GB', 2e9],
    ['100MB', 1e8],
    ['3KB', 3000],
    ['1T', 1e12],
    ['3G', 3e9],
    ['1800M', 1.8e9],
    ['5K', 5000],
    ['512B', 512],
    ['4096', 4096],
    ['2.5GiB', 2.5 * 1024 ** 3],
    ['0.1MB', 100_000],
    ['1.5 MiB', 1.5 * 1024 ** 2],
    ['  7MiB ', 7 * 1024 ** 2],
    ['.5KiB', 512],
    ['1.0000001KiB', 1024],
    [4096, 4096],
    [1.9, 1],
  ])('reads %j as %d bytes', (spec, bytes) => {
    expect(parseSize(spec)).toBe(bytes)
  })

  it.each([
    ['12Q', /unknown unit "Q"/],
    ['1gib', /unknown unit "gib"/],
    ['MiB', /expected a number/],
    ['-1MiB', /expected a number/],
    ['', /expected a number/],
    ['1 2MiB', /expected a number/],
    ['50%', /percentage is only allowed for partitions/],
    ['99999999TiB', /larger than any disk image/],
    [-5, /non-negative/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSize(spec)).toThrow(ConfigError)
    expect(() => parseSize(spec)).toThrow(message)
  })
})

describe('parseSizeOrPercent()', () => {
  it('reads percentages and sizes', () => {
    expect(parseSizeOrPercent('100%')).toEqual({ kind: 'percent', percent: 100 })
    expect(parseSizeOrPercent('54%')).toEqual({ kind: 'percent', percent: 54 })
    expect(parseSizeOrPercent('12.5%')).toEqual({ kind: 'percent', percent: 12.5 })
    expect(parseSizeOrPercent('8MiB')).toEqual({ kind: 'bytes', bytes: 8 * 1024 ** 2 })
  })

  it.each(['0%', '101%', '%', 'x%'])('refuses %j', (spec) => {
    expect(() => parseSizeOrPercent(spec)).toThrow(ConfigError)
  })
})

describe('resolveSizeSpec()', () => {
  it('takes a share of the free space, rounded down', () => {
    expect(resolveSizeSpec({ kind: 'percent', percent: 100 }, 1001)).toBe(1001)
    expect(resolveSizeSpec({ kind: 'percent', percent: 50 }, 1001)).toBe(500)
    expect(resolveSizeSpec({ kind: 'percent', percent: 54 }, 1024 ** 3)).toBe(
      Math.floor(0.54 * 1024 ** 3),
    )
    expect(resolveSizeSpec({ kind: 'bytes', bytes: 42 }, 10)).toBe(42)
  })
})

describe('formatBytes()', () => {
  it('uses the largest exact binary unit', () => {
    expect(formatBytes(1024 ** 3)).toBe('1 GiB')
    expect(formatBytes(1536)).toBe('1536 B')
    expect(formatBytes(3 * 1024 ** 2)).toBe('3 MiB')
  })
})
