import { describe, expect, it } from 'vitest'
import {
  locateElements,
  parseImageElementYaml,
  readElementQuery,
  type DirectoryProbe,
} from '../../../src/element-tools/element-dirs.ts'
import { ConfigError, ElementError } from '../../../src/errors.ts'

function fakeProbe(dirs: string[], links: Record<string, string> = {}): DirectoryProbe {
  return {
    isDirectory: (path) => dirs.includes(path) || path in links,
    canonical: (path) => links[path] ?? path,
  }
}

describe('readElementQuery()', () => {
  const yaml = 'base: /e/builtin/base\nmine: /e/site/mine\n'

  it('prefers --elements and --path over the environment', () => {
    const env = { IMAGE_ELEMENT: 'x y', ELEMENTS_PATH: '/env' }
    expect(readElementQuery({ elements: 'a  b', path: '/p:/q' }, env)).toEqual({
      names: ['a', 'b'],
      searchPath: ['/p', '/q'],
      resolved: new Map(),
    })
  })

  it('falls back to IMAGE_ELEMENT, ELEMENTS_PATH and IMAGE_ELEMENT_YAML', () => {
    const env = {
      IMAGE_ELEMENT: 'mine base',
      ELEMENTS_PATH: '/e/site::/e/builtin',
      IMAGE_ELEMENT_YAML: yaml,
    }
    const query = readElementQuery({}, env)
    expect(query.names).toEqual(['mine', 'base'])
    expect(query.searchPath).toEqual(['/e/site', '/e/builtin'])
    expect(query.resolved.get('mine')).toBe('/e/site/mine')
  })

  it('takes the element list from IMAGE_ELEMENT_YAML alone', () => {
    expect(readElementQuery({}, { IMAGE_ELEMENT_YAML: yaml }).names).toEqual(['base', 'mine'])
  })

  it('fails without any element list', () => {
    expect(() => readElementQuery({}, {})).toThrow(ConfigError)
    expect(() => parseImageElementYaml('- a\n- b\n')).toThrow('expected a map')
  })
})

describe('locateElements()', () => {
  it('uses the IMAGE_ELEMENT_YAML directory and lists every path directory', () => {
    const probe = fakeProbe(['/site/web', '/builtin/web', '/builtin/base'])
    const locations = locateElements(
      {
        names: ['web', 'base'],
        searchPath: ['/site', '/builtin'],
        resolved: new Map([['web', '/builtin/web']]),
      },
      probe,
    )
    expect(locations).toEqual([
      { name: 'web', dir: '/builtin/web', dirs: ['/site/web', '/builtin/web'] },
      { name: 'base', dir: '/builtin/base', dirs: ['/builtin/base'] },
    ])
  })

  it('reads a directory reached twice through a symlink once', () => {
    const probe = fakeProbe(['/real/web'], { '/link/web': '/real/web' })
    const [location] = locateElements(
      { names: ['web'], searchPath: ['/link', '/real'], resolved: new Map() },
      probe,
    )
    expect(location?.dirs).toEqual(['/real/web'])
  })

  it('fails for an element that is nowhere and for a bad name', () => {
    const query = { names: ['ghost'], searchPath: ['/site'], resolved: new Map<string, string>() }
    expect(() => locateElements(query, fakeProbe([]))).toThrow(ElementError)
    expect(() => locateElements(query, fakeProbe([]))).toThrow('Cannot find element "ghost"')
    expect(() => locateElements({ ...query, names: ['../etc'] }, fakeProbe([]))).toThrow(
      'not a valid element name',
    )
  })
})
