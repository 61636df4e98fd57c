import { describe, expect, it } from 'vitest'
import { discoverElements } from '../../../src/elements/discover.ts'
import {
  resolveElements,
  type ResolveOptions,
  type ResolvedElements,
} from '../../../src/elements/resolve.ts'
import { ElementError } from '../../../src/errors.ts'
import {
  elementsFromRows,
  useTempDir,
  writeElementTree,
  type ElementRow,
} from '../../helpers/element-tree.ts'

// The fixture of DIB's diskimage_builder/tests/test_elementdeps.py: (name, deps, provides).
const DIB_ROWS: readonly ElementRow[] = [
  ['requires-foo', ['foo']],
  ['foo', [], ['operating-system']],
  ['requires-requires-foo', ['requires-foo']],
  ['self', ['self']],
  ['provides_virtual', [], ['virtual']],
  ['requires_virtual', ['virtual'], ['operating-system']],
  ['virtual', ['extra_dependency']],
  ['extra_dependency'],
  ['circular1', ['circular2'], ['operating-system']],
  ['circular2', ['circular1']],
  ['provides_new_virtual', [], ['new_virtual', 'operating-system']],
  ['requires_new_virtual', ['new_virtual']],
]

async function resolveRows(
  rows: readonly ElementRow[],
  requested: readonly string[],
  options: ResolveOptions = {},
): Promise<ResolvedElements> {
  const dir = await writeElementTree(await useTempDir(), elementsFromRows(rows))
  return resolveElements(requested, await discoverElements([dir]), options)
}

async function resolveNames(
  rows: readonly ElementRow[],
  requested: readonly string[],
): Promise<string[]> {
  return (await resolveRows(rows, requested)).elements.map((element) => element.name)
}

async function resolveError(
  rows: readonly ElementRow[],
  requested: readonly string[],
): Promise<ElementError> {
  const error = await resolveRows(rows, requested).catch((e: unknown) => e)
  if (!(error instanceof ElementError))
    throw new Error(`Expected an ElementError, got ${String(error)}`)
  return error
}

describe('resolveElements() on the DIB element-deps fixture', () => {
  it.each([
    ['non-transitive deps', ['requires-foo'], ['foo', 'requires-foo']],
    [
      'transitive deps',
      ['requires-requires-foo'],
      ['foo', 'requires-foo', 'requires-requires-foo'],
    ],
    ['no deps', ['foo'], ['foo']],
    ['a self-dependency', ['self', 'foo'], ['self', 'foo']],
    ['a cycle', ['circular1'], ['circular2', 'circular1']],
    [
      'a virtual provide',
      ['provides_virtual', 'requires_virtual'],
      ['provides_virtual', 'requires_virtual'],
    ],
    [
      'a provider requested last',
      ['requires_new_virtual', 'provides_new_virtual'],
      ['provides_new_virtual', 'requires_new_virtual'],
    ],
  ])('expands %s', async (_, requested, expected) => {
    expect(await resolveNames(DIB_ROWS, requested)).toEqual(expected)
  })

  it.each([
    [['fake'], "Element 'fake' not found"],
    [
      ['virtual', 'provides_virtual'],
      "Element 'virtual' was requested but 'provides_virtual' provides it",
    ],
    [['provides_virtual'], 'Please include an operating system element'],
    [
      ['circular1', 'operating-system'],
      "Element 'operating-system' was requested but 'circular1' provides it",
    ],
    [['foo', 'circular1'], "Elements 'foo' and 'circular1' both provide 'operating-system'"],
  ])('rejects %j: %s', async (requested, message) => {
    expect((await resolveError(DIB_ROWS, requested)).message).toBe(message)
  })

  it('lists the operating system elements on the path when none is included', async () => {
    const error = await resolveError(DIB_ROWS, ['provides_virtual'])
    expect(error.hint).toBe(
      'Operating system elements on the search path: circular1, foo, provides_new_virtual, requires_virtual',
    )
  })

  it('records who pulled each element in and what it provides', async () => {
    const { elements, provided } = await resolveRows(DIB_ROWS, ['requires-requires-foo'])
    expect(elements).toEqual([
      expect.objectContaining({
        name: 'foo',
        requested: false,
        pulledBy: ['requires-foo'],
        provides: ['operating-system'],
      }),
      expect.objectContaining({
        name: 'requires-foo',
        requested: false,
        pulledBy: ['requires-requires-foo'],
      }),
      expect.objectContaining({
        name: 'requires-requires-foo',
        requested: true,
        pulledBy: [],
        deps: ['requires-foo'],
      }),
    ])
    expect([...provided]).toEqual([['operating-system', 'foo']])
  })

  it('counts a dependency on a virtual name as pulling in its provider', async () => {
    const { elements } = await resolveRows(DIB_ROWS, ['requires_virtual', 'provides_virtual'])
    expect(elements.map((e) => [e.name, e.requested, e.pulledBy])).toEqual([
      ['provides_virtual', true, ['requires_virtual']],
      ['requires_virtual', true, []],
    ])
  })
})

describe('resolveElements() error hints', () => {
  const rows: readonly ElementRow[] = [
    ['debian', [], ['operating-system']],
    ['ubuntu', [], ['operating-system']],
    ['vm', ['block-device']],
    ['block-device-mbr', [], ['block-device']],
    ['block-device-efi', [], ['block-device']],
    ['broken', ['debain']],
  ]

  it('suggests close names and shows the search path for an unknown element', async () => {
    const error = await resolveError(rows, ['debain'])
    expect(error.message).toBe("Element 'debain' not found")
    expect(error.hint).toMatch(/^Searched: '\/.+'\nDid you mean 'debian'\?$/)
  })

  it('names the element whose element-deps listed the unknown name', async () => {
    const error = await resolveError(rows, ['broken', 'debian'])
    expect(error.message).toBe("Element 'debain' not found (listed in element-deps of 'broken')")
  })

  it('lists the providers of a virtual name nobody provides', async () => {
    const error = await resolveError(rows, ['vm', 'debian'])
    expect(error.message).toBe("Element 'block-device' not found (listed in element-deps of 'vm')")
    expect(error.hint).toContain(
      "'block-device' is provided by 'block-device-efi', 'block-device-mbr'",
    )
  })

  it('names both providers of a name provided twice', async () => {
    const error = await resolveError(rows, ['vm', 'debian', 'block-device-mbr', 'block-device-efi'])
    expect(error.message).toBe(
      "Elements 'block-device-mbr' and 'block-device-efi' both provide 'block-device'",
    )
    expect(error.hint).toBe("Use only one of 'block-device-mbr' and 'block-device-efi'")
  })

  it('asks for a single operating system element', async () => {
    const error = await resolveError(rows, ['debian', 'ubuntu'])
    expect(error.hint).toBe('Use only one operating system element')
  })

  it('can skip the operating system check', async () => {
    const { elements } = await resolveRows(rows, ['vm', 'block-device-efi'], {
      requireOperatingSystem: false,
    })
    expect(elements.map((e) => e.name)).toEqual(['block-device-efi', 'vm'])
  })
})

describe('resolveElements() where DIB depends on queue order', () => {
  const rows: readonly ElementRow[] = [
    ['os', [], ['operating-system']],
    ['top', ['needs-virt', 'late']],
    ['needs-virt', ['virt']],
    ['late', ['provider']],
    ['provider', [], ['virt']],
    ['vm', ['bootloader']],
    ['bootloader', ['grub-stuff']],
    ['grub-stuff'],
    ['zipl', [], ['bootloader']],
    ['early-bootloader', ['bootloader', 'zipl']],
    ['itself', [], ['itself', 'operating-system']],
  ]

  it('finds a provider that is queued after the virtual name (DIB: not found)', async () => {
    expect(await resolveNames(rows, ['top', 'os'])).toEqual([
      'provider',
      'needs-virt',
      'late',
      'top',
      'os',
    ])
  })

  it('does not expand a real element that another element ends up providing', async () => {
    expect(await resolveNames(rows, ['early-bootloader', 'os'])).toEqual([
      'zipl',
      'early-bootloader',
      'os',
    ])
  })

  it('expands a real element when nothing provides its name', async () => {
    expect(await resolveNames(rows, ['vm', 'os'])).toEqual(['grub-stuff', 'bootloader', 'vm', 'os'])
  })

  it('keeps an element that provides its own name', async () => {
    expect(await resolveNames(rows, ['itself'])).toEqual(['itself'])
  })

  it('ignores a repeated request', async () => {
    expect(await resolveNames(rows, ['os', 'os'])).toEqual(['os'])
  })
})

describe('resolveElements() determinism', () => {
  const rows: readonly ElementRow[] = [
    ['os', ['os-base'], ['operating-system']],
    ['os-base', ['util']],
    ['util'],
    ['app', ['util', 'lib-a', 'lib-b', 'os']],
    ['lib-a', ['lib-b']],
    ['lib-b', ['lib-a', 'util']],
    ['extra'],
  ]

  it('gives the same order however the element directories were created', async () => {
    const requested = ['app', 'extra']
    const results: string[][] = []
    for (const seed of [1, 2, 3, 4]) {
      const shuffled = [...rows].sort((a, b) => hash(a[0], seed) - hash(b[0], seed))
      results.push(await resolveNames(shuffled, requested))
      results.push(await resolveNames(shuffled, requested))
    }
    expect(results[0]).toEqual(['util', 'lib-b', 'lib-a', 'os-base', 'os', 'app', 'extra'])
    for (const result of results) expect(result).toEqual(results[0])
  })

  it('puts each requested element after its dependencies, in request order', async () => {
    expect(await resolveNames(rows, ['extra', 'os'])).toEqual(['extra', 'util', 'os-base', 'os'])
    expect(await resolveNames(rows, ['os', 'extra'])).toEqual(['util', 'os-base', 'os', 'extra'])
  })
})

// A cheap deterministic shuffle key.
function hash(text: string, seed: number): number {
  let value = seed
  for (const char of text) value = (value * 31 + char.charCodeAt(0)) % 1_000_003
  return value
}

// DIB 3.13: `vm` reached through element-deps (not named on the command line) fails with
// "Element 'block-device' not found", because only disk-image-create's own list gets the
// default block-device element. Here the documented default fills the virtual name however
// it was reached.
describe('resolveElements() default providers of virtual names', () => {
  const rows: readonly ElementRow[] = [
    ['os', [], ['operating-system']],
    ['vm', ['block-device', 'bootloader']],
    ['bootloader'],
    ['block-device-mbr', [], ['block-device']],
    ['block-device-efi', [], ['block-device']],
    ['stable-vm', ['vm']],
    ['deep', ['stable-vm']],
    ['needs-nothing-known', ['no-provider']],
  ]
  const defaults = new Map([
    ['block-device', 'block-device-mbr'],
    ['no-provider', 'missing-default'],
  ])
  const names = async (requested: readonly string[]): Promise<string[]> =>
    (await resolveRows(rows, requested, { defaultProviders: defaults })).elements.map((e) => e.name)

  it('fails like DIB without defaults when vm comes through element-deps', async () => {
    const error = await resolveError(rows, ['stable-vm', 'os'])
    expect(error.message).toBe("Element 'block-device' not found (listed in element-deps of 'vm')")
  })

  it.each([
    ['vm through one element-deps', ['stable-vm', 'os']],
    ['vm through two levels', ['deep', 'os']],
    ['vm requested', ['vm', 'os']],
    ['the virtual name requested', ['block-device', 'bootloader', 'os']],
  ])('adds the default provider for %s', async (_label, requested) => {
    const resolved = await names(requested)
    expect(resolved).toContain('block-device-mbr')
    expect(resolved).not.toContain('block-device-efi')
    expect(resolved).not.toContain('block-device')
  })

  it('records that vm pulled the default provider in', async () => {
    const { elements } = await resolveRows(rows, ['stable-vm', 'os'], {
      defaultProviders: defaults,
    })
    expect(elements.find((e) => e.name === 'block-device-mbr')?.pulledBy).toEqual(['vm'])
  })

  it('leaves a provider the build has alone', async () => {
    const resolved = await names(['stable-vm', 'block-device-efi', 'os'])
    expect(resolved).toContain('block-device-efi')
    expect(resolved).not.toContain('block-device-mbr')
  })

  it('reports a virtual name whose default provider is not on the search path', async () => {
    const error = await resolveRows(rows, ['needs-nothing-known', 'os'], {
      defaultProviders: defaults,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ElementError)
    expect((error as ElementError).message).toBe(
      "Element 'no-provider' not found (listed in element-deps of 'needs-nothing-known')",
    )
  })
})
