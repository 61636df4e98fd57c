import { describe, expect, it } from 'vitest'
import { exportedSearchPath, visibleBuiltins } from '../../../src/elements/builtins-view.ts'
import type { ElementInfo } from '../../../src/elements/discover.ts'

function catalogOf(paths: Record<string, string>): { elements: Map<string, ElementInfo> } {
  const elements = new Map<string, ElementInfo>()
  for (const [name, path] of Object.entries(paths))
    elements.set(name, { name, path, deps: [], provides: [] })
  return { elements }
}

describe('visibleBuiltins()', () => {
  const builtins = [
    ['base', '/pkg/elements/base'],
    ['debootstrap', '/pkg/elements/debootstrap'],
    ['vm', '/pkg/elements/vm'],
  ] as const

  it('keeps every built-in when nothing on the user path replaces it', () => {
    const catalog = catalogOf({
      base: '/pkg/elements/base',
      debootstrap: '/pkg/elements/debootstrap',
      vm: '/pkg/elements/vm',
    })
    expect(visibleBuiltins(catalog, builtins).map(([name]) => name)).toEqual([
      'base',
      'debootstrap',
      'vm',
    ])
  })

  it('drops the built-ins an earlier entry replaces, so tools reading every copy see only the user one', () => {
    const catalog = catalogOf({
      base: '/pkg/elements/base',
      debootstrap: '/dib/elements/debootstrap',
      vm: '/dib/elements/vm',
      extra: '/dib/elements/extra',
    })
    expect(visibleBuiltins(catalog, builtins)).toEqual([['base', '/pkg/elements/base']])
  })

  it('keeps a built-in the user path reaches through a symlink (same real path)', () => {
    const catalog = catalogOf({ vm: '/pkg/elements/vm' })
    expect(visibleBuiltins(catalog, builtins)).toEqual([['vm', '/pkg/elements/vm']])
  })
})

describe('exportedSearchPath()', () => {
  it('lists the user entries in order, then the per-build view in place of the built-in directory', () => {
    expect(exportedSearchPath(['/site', '/dib'], '/tmp/b')).toEqual([
      '/site',
      '/dib',
      '/tmp/b/builtin-elements',
    ])
  })
})
