import { describe, expect, it } from 'vitest'
import { ConfigError, UsageError } from '../../../src/errors.ts'
import { isSectorSize, parseSectorSize } from '../../../src/util/sector-size.ts'

describe('parseSectorSize()', () => {
  it.each([
    ['512', 512],
    ['1024', 1024],
    ['2048', 2048],
    ['4096', 4096],
    [' 4096 ', 4096],
  ])('reads "%s" as %d', (text, expected) => {
    expect(parseSectorSize(text, 'DIB_BLOCK_SIZE')).toBe(expected)
  })

  it.each(['4k', '1000', '8192', '0', '', '-512', '4096.0', '0x1000'])(
    'refuses "%s", naming the setting',
    (text) => {
      const parse = () => parseSectorSize(text, 'DIB_BLOCK_SIZE')
      expect(parse).toThrow(ConfigError)
      expect(parse).toThrow(
        `Cannot use DIB_BLOCK_SIZE "${text}": a sector size is 512, 1024, 2048, 4096 bytes`,
      )
    },
  )

  it('raises the error class the caller gives', () => {
    expect(() => parseSectorSize('1000', '--sector-size', UsageError)).toThrow(UsageError)
  })

  it('isSectorSize() accepts the four sizes only', () => {
    expect([256, 512, 1024, 2048, 4096, 8192].filter(isSectorSize)).toEqual([512, 1024, 2048, 4096])
  })
})
