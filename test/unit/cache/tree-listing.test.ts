import { describe, expect, it } from 'vitest'
import { TreeListing } from '../../../src/cache/tree-listing.ts'

/** find's output for entries [device, facts, path]. */
const listing = (entries: readonly (readonly [string, string, string])[]): TreeListing =>
  new TreeListing(Buffer.from(entries.map(([d, f, p]) => `${d} ${f}\0${p}\0`).join('')))

const paths = (l: TreeListing): string[] => Array.from({ length: l.size }, (_, i) => l.path(i))

describe('TreeListing', () => {
  const base = [
    ['2049', 'd 755 0 0 4096 2 3 100.0000000000|100.0000000000', ''],
    ['2049', 'f 644 0 0 5 12 1 100.0000000000|101.5000000000', 'etc/line\nbreak'],
    ['5', 'd 555 0 0 0 1 2 100.0000000000|100.0000000000', 'proc'],
    ['2049', 'f 644 0 0 5 13 1 100.0000000000|102.1234567891', 'é|x'],
  ] as const

  it('keeps the entries on the first entry device, paths with any byte but NUL', () => {
    expect(paths(listing(base))).toEqual(['', 'etc/line\nbreak', 'é|x'])
  })

  it('finds an entry of another listing by path, and tells facts apart with or without the ctime', () => {
    const a = listing(base)
    const b = listing([
      ['2049', 'f 644 0 0 5 13 1 100.0000000000|109.0000000000', 'é|x'],
      ['2049', 'f 600 0 0 5 12 1 100.0000000000|101.5000000000', 'etc/line\nbreak'],
    ])
    expect(a.find(b, 0)).toBe(2)
    expect(a.find(b, 1)).toBe(1)
    expect(b.find(a, 0)).toBe(-1)
    expect(a.sameFacts(2, b, 0, true)).toBe(false)
    expect(a.sameFacts(2, b, 0, false)).toBe(true)
    expect(a.sameFacts(1, b, 1, false)).toBe(false)
  })

  it('compares a ctime with a moment to the nanosecond, the tenth digit dropped', () => {
    const a = listing(base)
    expect(a.changedSince(2, { seconds: 102, nanos: 123_456_789 })).toBe(true)
    expect(a.changedSince(2, { seconds: 102, nanos: 123_456_790 })).toBe(false)
    expect(a.changedSince(1, { seconds: 101, nanos: 0 })).toBe(true)
    expect(a.changedSince(1, { seconds: 102, nanos: 0 })).toBe(false)
  })

  it('is empty for no output', () => {
    expect(new TreeListing(Buffer.alloc(0)).size).toBe(0)
  })
})
