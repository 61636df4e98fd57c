import { describe, expect, it } from 'vitest'
import { shouldUseTmpfs } from '../../../src/pipeline/workspace.ts'

const GiB = 1024 ** 3

describe('shouldUseTmpfs()', () => {
  it.each([
    [{ noTmpfs: false, minTmpfsGiB: 2 }, 24 * GiB, true],
    [{ noTmpfs: false, minTmpfsGiB: 2 }, 4 * GiB, true],
    [{ noTmpfs: false, minTmpfsGiB: 2 }, 4 * GiB - 1, false],
    [{ noTmpfs: false, minTmpfsGiB: 16 }, 24 * GiB, false],
    [{ noTmpfs: true, minTmpfsGiB: 2 }, 24 * GiB, false],
  ])('%j with %d bytes of RAM gives %s', (options, mem, expected) => {
    expect(shouldUseTmpfs(options, mem)).toBe(expected)
  })
})
