// pkg-map for the Red Hat family built here: every distribution the redhat-common elements set
// as DISTRO_NAME reads the "redhat" family section, and a release section wins over it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolvePkgMap } from '../../../../src/element-tools/pkg-map/resolve.ts'

const BOOTLOADER_MAP = join(import.meta.dirname, '../../../../elements/bootloader/pkg-map')

describe('pkg-map for RPM distributions', () => {
  const data: unknown = JSON.parse(readFileSync(BOOTLOADER_MAP, 'utf8'))

  it.each(['centos', 'rocky', 'almalinux', 'fedora', 'rhel'])(
    '%s gets the grub2 package names of the redhat family',
    (distro) => {
      const table = resolvePkgMap(data, { distro, release: '9' }, BOOTLOADER_MAP)
      expect(table.get('grub-pc')).toEqual(['grub2-pc', 'grub2-tools'])
      expect(table.get('grub-efi-amd64-bin')).toEqual(['grub2-efi-x64', 'grub2-efi-x64-modules'])
    },
  )

  it('a release section beats the family, and Debian names stay untouched', () => {
    const map = {
      family: { redhat: { 'python3-dev': 'python3-devel' } },
      release: { centos: { '10-stream': { 'python3-dev': 'python3.12-devel' } } },
    }
    expect(
      resolvePkgMap(map, { distro: 'centos', release: '10-stream' }, 'm').get('python3-dev'),
    ).toEqual(['python3.12-devel'])
    expect(resolvePkgMap(map, { distro: 'rocky', release: '9' }, 'm').get('python3-dev')).toEqual([
      'python3-devel',
    ])
    expect(
      resolvePkgMap(map, { distro: 'debian', release: 'trixie' }, 'm').get('python3-dev'),
    ).toBeUndefined()
  })
})
