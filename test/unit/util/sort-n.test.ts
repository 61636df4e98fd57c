import { describe, expect, it } from 'vitest'
import { compareBytes, compareSortN } from '../../../src/util/sort-n.ts'

// Expected orders were produced by `printf '%s\n' ... | LANG=C sort -n` (GNU coreutils 9.1).
describe('compareSortN()', () => {
  it('orders by leading number, then by bytes, like LANG=C sort -n', () => {
    const input = ['10-a', '9-b', '10-A', '01-x', 'foo', '1-x', '01', '1', '-5', '-0', '0', 'a']
    const more = ['2.5', '2.50x', '2.5a', '10', '010', '-x', '_x', '1e3', ' 3', '0x10', '.5']
    const expected = [
      '-5',
      '-.5',
      '-0',
      '-x',
      '0',
      '0x10',
      '_x',
      'a',
      'foo',
      '.5',
      '01',
      '01-x',
      '1',
      '1-x',
      '1e3',
      '1.5.2',
      '2.5',
      '2.50x',
      '2.5a',
      ' 3',
      '9-b',
      '010',
      '10',
      '10-A',
      '10-a',
    ]
    const sorted = [...input, ...more, '-.5', '1.5.2'].reverse().sort(compareSortN)
    expect(sorted).toEqual(expected)
  })

  it.each([
    ['9-b', '10-a', -1],
    ['10-A', '10-a', -1],
    ['01-x', '1-x', -1],
    ['foo', '01-x', -1],
    ['1.5', '1.50', -1],
    ['1.50', '1.5', 1],
    ['-0', '0', -1],
    ['00099-z', '100-a', -1],
    ['99999999999999999999-a', '100000000000000000000-a', -1],
    ['-10', '-9', -1],
    ['-1.25', '-1.2', -1],
    ['same', 'same', 0],
  ])('compareSortN(%j, %j) has sign %d', (a, b, sign) => {
    expect(Math.sign(compareSortN(a, b))).toBe(sign)
  })
})

describe('compareBytes()', () => {
  it('compares UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E is 0xEF 0xBD 0x9E in UTF-8 and U+1F600 starts with 0xF0: bytes say FF5E first,
    // while UTF-16 code units (0xFF5E vs 0xD83D) would say the emoji first.
    expect(compareBytes('\uff5e', '\u{1f600}')).toBeLessThan(0)
    expect(compareBytes('B', 'a')).toBeLessThan(0)
  })
})
