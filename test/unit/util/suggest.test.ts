import { describe, expect, it } from 'vitest'
import { editDistance, suggestNames } from '../../../src/util/suggest.ts'

describe('editDistance()', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['debain', 'debian', 2],
    ['kitten', 'sitting', 3],
    ['vm', 'vm', 0],
  ])('editDistance(%j, %j) is %d', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance)
    expect(editDistance(b, a)).toBe(distance)
  })
})

describe('suggestNames()', () => {
  const names = [
    'debian',
    'debian-minimal',
    'ubuntu',
    'ubuntu-minimal',
    'vm',
    'base',
    'dhcp-all-interfaces',
  ]

  it.each([
    ['debain', ['debian']],
    ['ubuntu-minmal', ['ubuntu-minimal', 'ubuntu']],
    ['mv', []],
    ['vn', ['vm']],
    ['dhcp', ['dhcp-all-interfaces']],
    ['completely-different', []],
  ])('suggests %j -> %j', (wanted, expected) => {
    expect(suggestNames(wanted, names)).toEqual(expected)
  })
})
