import { describe, expect, it } from 'vitest'
import { defaultProviders, withImplicitElements } from '../../../src/elements/implicit-elements.ts'

describe('withImplicitElements()', () => {
  it.each<[string[], boolean, string, string[]]>([
    [['debian'], false, 'amd64', ['debian', 'base']],
    [['debian'], true, 'amd64', ['debian']],
    [['debian', 'vm'], false, 'amd64', ['debian', 'vm', 'block-device-mbr', 'base']],
    [['debian', 'vm'], true, 'x86_64', ['debian', 'vm', 'block-device-mbr']],
    [['debian', 'vm'], false, 'arm64', ['debian', 'vm', 'block-device-efi', 'base']],
    [['debian', 'vm'], false, 'aarch64', ['debian', 'vm', 'block-device-efi', 'base']],
    [['debian', 'vm'], false, 'ppc64le', ['debian', 'vm', 'block-device-mbr', 'base']],
    [
      ['debian', 'vm', 'block-device-gpt'],
      false,
      'amd64',
      ['debian', 'vm', 'block-device-gpt', 'base'],
    ],
    [['debian', 'block-device-gpt'], false, 'amd64', ['debian', 'block-device-gpt', 'base']],
    [['base', 'debian'], false, 'amd64', ['base', 'debian']],
    [['debian', 'vm-tools'], false, 'amd64', ['debian', 'vm-tools', 'base']],
  ])('withImplicitElements(%j, skipBase %s, %s) is %j', (requested, skipBase, arch, expected) => {
    expect(withImplicitElements(requested, { skipBase, arch })).toEqual(expected)
  })

  it('does not modify its input', () => {
    const requested = ['vm']
    withImplicitElements(requested, { skipBase: false, arch: 'amd64' })
    expect(requested).toEqual(['vm'])
  })
})

describe('defaultProviders()', () => {
  it.each([
    ['amd64', 'block-device-mbr'],
    ['x86_64', 'block-device-mbr'],
    ['arm64', 'block-device-efi'],
    ['aarch64', 'block-device-efi'],
  ])('gives block-device the layout vm gets on %s', (arch, provider) => {
    expect(defaultProviders(arch)).toEqual(new Map([['block-device', provider]]))
  })
})
