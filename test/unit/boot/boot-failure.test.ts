import { describe, expect, it } from 'vitest'
import { collapseRepeats } from '../../../src/boot/boot-failure.ts'

describe('collapseRepeats', () => {
  it('keeps lines that do not repeat', () => {
    expect(collapseRepeats(['a', 'b', 'a'])).toEqual(['a', 'b', 'a'])
  })

  it('keeps a line seen twice as it is', () => {
    expect(collapseRepeats(['a', 'a', 'b'])).toEqual(['a', 'a', 'b'])
  })

  it('turns a run into the line and a count, so the lines before it stay in view', () => {
    const probes = Array.from({ length: 40 }, () => '> echo __IW_x_\\READY__')
    expect(collapseRepeats(['Password: ', ...probes]).slice(-30)).toEqual([
      'Password: ',
      '> echo __IW_x_\\READY__',
      '(the line above 39 more times)',
    ])
  })

  it('handles no lines', () => {
    expect(collapseRepeats([])).toEqual([])
  })
})
