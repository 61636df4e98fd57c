// The system files' start order (test/longest-first.ts): longest first, and every file timed.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'
import { SYSTEM_FILE_SECONDS, longestFirst } from '../longest-first.ts'

describe('longestFirst', () => {
  const seconds = { a: 10, b: 300, c: 45 }

  it('puts the longest file first', () => {
    expect(longestFirst(['a', 'b', 'c'], (f) => f, seconds)).toEqual(['b', 'c', 'a'])
  })

  it('starts a file the table does not know before every known one', () => {
    expect(longestFirst(['a', 'new', 'b'], (f) => f, seconds)).toEqual(['new', 'b', 'a'])
  })

  it('keeps the order of files of equal weight (unknown ones, other tiers)', () => {
    expect(longestFirst(['y', 'x', 'z'], (f) => f, seconds)).toEqual(['y', 'x', 'z'])
  })
})

describe('SYSTEM_FILE_SECONDS', () => {
  it('times exactly the system test files there are', () => {
    const files = readdirSync(join(REPO, 'test', 'system'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/system/${f}`)
    expect(Object.keys(SYSTEM_FILE_SECONDS).sort()).toEqual(files.sort())
  })
})
