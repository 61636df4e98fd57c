import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.ts'
import {
  checksumPathFor,
  formatChecksumLine,
  parseChecksumSpec,
} from '../../../src/output/checksum.ts'

describe('parseChecksumSpec', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['0', []],
    ['1', ['md5', 'sha256']],
    ['md5', ['md5']],
    ['sha256', ['sha256']],
    ['md5,sha256', ['md5', 'sha256']],
    ['sha256,md5', ['md5', 'sha256']],
    [' SHA256 , sha256 ', ['sha256']],
  ])('DIB_CHECKSUM=%j → %j', (value, expected) => {
    expect(parseChecksumSpec(value)).toEqual(expected)
  })

  it.each(['2', 'sha1', 'md5,', 'true'])('rejects %j naming the variable', (value) => {
    expect(() => parseChecksumSpec(value)).toThrow(ConfigError)
    expect(() => parseChecksumSpec(value)).toThrow(
      new RegExp(
        `^Cannot use DIB_CHECKSUM "${value}": .* expected "1", "md5", "sha256" or "md5,sha256"`,
      ),
    )
  })

  it('names the option it came from', () => {
    expect(() => parseChecksumSpec('crc', '--checksum')).toThrow(/^Cannot use --checksum "crc"/)
  })
})

describe('formatChecksumLine', () => {
  it.each([
    ['d41d', '/o/deb.qcow2', 'd41d  deb.qcow2\n'],
    ['d41d', 'deb image.raw', 'd41d  deb image.raw\n'],
    ['d41d', '/o/a\\b', '\\d41d  a\\\\b\n'],
    ['d41d', '/o/a\nb', '\\d41d  a\\nb\n'],
  ])('%s %j → %j', (hash, file, expected) => {
    expect(formatChecksumLine(hash, file)).toBe(expected)
  })
})

describe('checksumPathFor', () => {
  it('appends the algorithm', () => {
    expect(checksumPathFor('/o/deb.qcow2', 'sha256')).toBe('/o/deb.qcow2.sha256')
    expect(checksumPathFor('/o/deb.tar', 'md5')).toBe('/o/deb.tar.md5')
  })
})
