import { describe, expect, it } from 'vitest'
import { sourceDateEpoch } from '../../../src/pipeline/reproducible-disk.ts'

describe('sourceDateEpoch', () => {
  it.each([
    [{}, undefined],
    [{ SOURCE_DATE_EPOCH: '' }, undefined],
    [{ SOURCE_DATE_EPOCH: '1700000000' }, 1700000000],
    [{ SOURCE_DATE_EPOCH: '0' }, 0],
  ])('%j → %j', (env, expected) => {
    expect(sourceDateEpoch(env)).toBe(expected)
  })

  it.each(['yesterday', '-5', '1.5', '17e8'])('refuses "%s", naming the variable', (value) => {
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: value })).toThrow(
      /SOURCE_DATE_EPOCH.*whole seconds since 1970/,
    )
  })
})
