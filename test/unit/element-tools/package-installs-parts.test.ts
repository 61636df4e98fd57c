import { describe, expect, it } from 'vitest'
import { parseDataText } from '../../../src/element-tools/data-file.ts'
import { findInstallType } from '../../../src/element-tools/package-installs/evaluate.ts'
import {
  parseLegacyList,
  readLegacyElement,
} from '../../../src/element-tools/package-installs/legacy-list.ts'
import { parsePackageInstalls } from '../../../src/element-tools/package-installs/params.ts'
import { squashRequests } from '../../../src/element-tools/package-installs/squash.ts'
import {
  formatPackageList,
  formatSquashJson,
  planPathsFor,
} from '../../../src/element-tools/package-installs/write-plan.ts'

describe('parseDataText()', () => {
  it('reads JSON first and falls back to YAML 1.1 like PyYAML', () => {
    expect(parseDataText('{"a": null}', 'f.yaml')).toEqual({ a: null })
    expect(parseDataText('a: yes\nb: off\n', 'f.json')).toEqual({ a: true, b: false })
    expect(parseDataText('a: 1\na: 2\n', 'f.yaml')).toEqual({ a: 2 })
  })

  it('names the file in a parse error', () => {
    expect(() => parseDataText('a: [1\n', '/el/package-installs.yaml')).toThrow(
      'Cannot parse "/el/package-installs.yaml"',
    )
  })
})

describe('parsePackageInstalls()', () => {
  it('treats an empty file as no packages', () => {
    expect(parsePackageInstalls(null, 'f')).toEqual({ entries: [], warnings: [] })
  })

  it('warns about unknown keys and phases package-installs never runs', () => {
    const { warnings } = parsePackageInstalls(
      { a: { buildonly: true }, b: { phase: 'finalise.d' } },
      'f',
    )
    expect(warnings).toEqual([
      'f: package "a" has unknown key "buildonly", which is ignored',
      expect.stringContaining(
        'package "b" uses phase "finalise.d", which package-installs does not run',
      ),
    ])
  })

  it('rejects names that would be read as options or comments', () => {
    expect(() => parsePackageInstalls({ '-rf': null }, 'f')).toThrow(
      '"-rf" is not a usable package name',
    )
  })
})

describe('findInstallType()', () => {
  it('uses the element variable, then the default, then "source"', () => {
    expect(findInstallType('simple-init', { DIB_INSTALLTYPE_simple_init: 'repo' })).toBe('repo')
    expect(findInstallType('simple-init', { DIB_DEFAULT_INSTALLTYPE: 'package' })).toBe('package')
    expect(findInstallType('simple-init', { DIB_INSTALLTYPE_simple_init: '' })).toBe('source')
  })
})

describe('legacy package lists', () => {
  it('reads packages, comments and "-" removals', () => {
    expect(parseLegacyList('# c\nfoo\n\n -bar \nx y\n', 'f')).toEqual([
      { name: 'foo', op: 'install' },
      { name: 'bar', op: 'build-only' },
      { name: 'x', op: 'install' },
      { name: 'y', op: 'install' },
    ])
    expect(readLegacyElement('package-installs-nova')).toBe('nova')
    expect(readLegacyElement('package-installs-')).toBeUndefined()
    expect(readLegacyElement('50-script')).toBeUndefined()
  })
})

describe('squashRequests()', () => {
  const request = (
    name: string,
    op: 'install' | 'uninstall' | 'build-only',
    packages = [name],
  ) => ({
    name,
    element: 'e',
    phase: 'install.d',
    op,
    packages,
  })

  it('lets an install cancel an earlier build-only removal of the same final package', () => {
    const result = squashRequests([
      request('devtools', 'build-only', ['gcc', 'make']),
      request('gcc', 'install'),
    ])
    expect(result.phases.get('install.d')).toEqual({
      install: ['gcc', 'make'],
      uninstall: ['make'],
    })
  })

  it('keeps phases nobody runs in the plan and the JSON', () => {
    const result = squashRequests([{ ...request('x', 'install'), phase: 'finalise.d' }])
    expect(result.phases.get('finalise.d')).toEqual({ install: ['x'], uninstall: [] })
    expect(result.json['finalise.d']).toEqual({ install: [['x', 'e']], uninstall: [] })
  })
})

describe('planPathsFor()', () => {
  it('puts the plan under a target root, or beside a DIB-style JSON path', () => {
    // Paths in a target root are written through the safe writer, relative to it.
    expect(planPathsFor('/mnt')).toEqual({
      root: '/mnt',
      json: 'tmp/package-installs.json',
      listsDir: 'tmp/package-installs',
    })
    expect(planPathsFor('/mnt/tmp/pi.json')).toEqual({
      root: '/mnt/tmp',
      json: 'pi.json',
      listsDir: 'pi',
    })
  })

  it('writes one package per line', () => {
    expect(formatPackageList(['a', 'b'])).toBe('a\nb\n')
    expect(formatPackageList([])).toBe('')
  })
})

describe('formatSquashJson()', () => {
  it('writes valid JSON in DIB squashed shape, one pair per line', () => {
    const json = {
      'install.d': {
        install: [
          ['a', 'e'],
          ['b', 'f'],
        ] as [string, string][],
        uninstall: [],
      },
    }
    const text = formatSquashJson(json)
    expect(JSON.parse(text)).toEqual(json)
    expect(text).toContain('\n      ["a","e"],\n      ["b","f"]\n')
  })
})
