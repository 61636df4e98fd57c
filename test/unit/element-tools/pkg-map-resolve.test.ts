import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ConfigError } from '../../../src/errors.ts'
import {
  lookupName,
  resolvePkgMap,
  translateNames,
} from '../../../src/element-tools/pkg-map/resolve.ts'
import {
  formatResolvedTable,
  parseResolvedTable,
} from '../../../src/element-tools/pkg-map/table-format.ts'

const FIXTURES = join(import.meta.dirname, '../../fixtures/pkg-map')

interface LookupCase {
  name: string
  map: string
  distro?: string
  release?: string
  lookups?: Record<string, string[] | 'missing'>
  error?: string
}

function loadMap(file: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, 'maps', file), 'utf8'))
}

const cases = parse(readFileSync(join(FIXTURES, 'cases.yaml'), 'utf8')) as LookupCase[]

describe('resolvePkgMap() fixture lookups', () => {
  for (const c of cases) {
    it(c.name, () => {
      const target = { distro: c.distro, release: c.release }
      const resolve = () => resolvePkgMap(loadMap(c.map), target, c.map)
      if (c.error !== undefined) {
        expect(resolve).toThrow(ConfigError)
        expect(resolve).toThrow(c.error)
        return
      }
      const table = resolve()
      for (const [name, expected] of Object.entries(c.lookups ?? {})) {
        const found = lookupName(table, name)
        if (expected === 'missing') expect(found, name).toEqual({ kind: 'missing' })
        else expect(found, name).toEqual({ kind: 'mapped', packages: expected })
      }
    })
  }
})

describe('translateNames()', () => {
  const table = resolvePkgMap(
    loadMap('compute.json'),
    { distro: 'opensuse', release: undefined },
    'x',
  )

  it('maps, drops empty mappings and fails on an unmapped name', () => {
    expect(
      translateNames(table, ['image_pkg', 'compute_pkg'], { missingOk: false, label: 'e' }),
    ).toEqual(['glance'])
    expect(() =>
      translateNames(table, ['nope'], { missingOk: false, label: 'element "e"' }),
    ).toThrow('Cannot map package "nope": element "e" has no mapping for it')
  })

  it('passes unmapped names through with missingOk, also without any map', () => {
    expect(translateNames(table, ['nope', 'image_pkg'], { missingOk: true, label: 'e' })).toEqual([
      'nope',
      'glance',
    ])
    expect(translateNames(undefined, ['a', 'b'], { missingOk: true, label: 'e' })).toEqual([
      'a',
      'b',
    ])
  })
})

describe('resolved table format', () => {
  const target = { distro: 'centos', release: '8-stream' }
  const table = resolvePkgMap(loadMap('compute.json'), target, 'compute.json')

  it('writes the table the bash pkg-map command reads', () => {
    const expected = readFileSync(join(FIXTURES, 'tables', 'compute.centos-8-stream.table'), 'utf8')
    expect(formatResolvedTable(table, target)).toBe(expected)
  })

  it('reads back what it writes', () => {
    const parsed = parseResolvedTable(formatResolvedTable(table, target), 't')
    expect(parsed.target).toEqual(target)
    expect(parsed.table).toEqual(table)
  })

  it('rejects names that would break the table', () => {
    const bad = { default: { 'two words': 'x' } }
    expect(() => resolvePkgMap(bad, target, 'bad.json')).toThrow(
      '"two words" is not a usable package name',
    )
    const dash = { default: { ok: 'good -bad' } }
    expect(() => resolvePkgMap(dash, target, 'dash.json')).toThrow('package "-bad" starts with "-"')
  })
})
