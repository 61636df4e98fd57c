import { describe, expect, it } from 'vitest'
import {
  licenseOfCopyright,
  spdxExpression,
  spdxLicenseId,
} from '../../../src/inventory/dep5-license.ts'
import { parseDpkgStatus } from '../../../src/inventory/dpkg-status.ts'
import {
  distroOf,
  largestDirectories,
  largestPackages,
} from '../../../src/inventory/read-inventory.ts'

const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Installed-Size: 12345
Architecture: amd64
Multi-Arch: same
Source: glibc (2.41-12)
Version: 2.41-12+b1
Description: GNU C Library
 Contains the standard libraries.

Package: bash
Status: install ok installed
Installed-Size: 7000
Architecture: amd64
Version: 5.2.37-2

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: base-files
Status: install ok installed
Architecture: amd64
Source: base-files
Version: 13.8
`

describe('dpkg status', () => {
  it('lists installed packages with version, architecture, source and size, by name', () => {
    expect(parseDpkgStatus(STATUS)).toEqual([
      {
        name: 'base-files',
        version: '13.8',
        arch: 'amd64',
        source: 'base-files',
        sourceVersion: '13.8',
        installedBytes: 0,
      },
      {
        name: 'bash',
        version: '5.2.37-2',
        arch: 'amd64',
        source: 'bash',
        sourceVersion: '5.2.37-2',
        installedBytes: 7000 * 1024,
      },
      {
        name: 'libc6',
        version: '2.41-12+b1',
        arch: 'amd64',
        source: 'glibc',
        sourceVersion: '2.41-12',
        installedBytes: 12345 * 1024,
      },
    ])
  })
})

describe('DEP-5 licences', () => {
  it('maps Debian short names to SPDX identifiers', () => {
    expect(spdxLicenseId('GPL-2+')).toBe('GPL-2.0-or-later')
    expect(spdxLicenseId('GPL-3')).toBe('GPL-3.0-only')
    expect(spdxLicenseId('LGPL-2.1+')).toBe('LGPL-2.1-or-later')
    expect(spdxLicenseId('Expat')).toBe('MIT')
    expect(spdxLicenseId('BSD-3-clause')).toBe('BSD-3-Clause')
    expect(spdxLicenseId('public-domain')).toBe('LicenseRef-public-domain')
    expect(spdxLicenseId('0bsd')).toBe('0BSD')
    expect(spdxLicenseId('GPL-2.0-only')).toBe('GPL-2.0-only')
    expect(spdxLicenseId('LGPL-2.0-or-later')).toBe('LGPL-2.0-or-later')
    expect(spdxLicenseId('LGPL-2+')).toBe('LGPL-2.0-or-later')
    expect(spdxLicenseId('GFDL-1+')).toBe('LicenseRef-GFDL-1')
  })

  it('keeps "or" and "and", commas meaning "and"', () => {
    expect(spdxExpression('GPL-1+ or Artistic')).toBe('GPL-1.0-or-later OR Artistic-1.0-Perl')
    expect(spdxExpression('GPL-2+, BSD-3-clause')).toBe('GPL-2.0-or-later AND BSD-3-Clause')
    expect(spdxExpression('GPL-3+ with GCC-exception')).toBe('LicenseRef-GPL-3-with-GCC-exception')
  })

  it('reads the "Files: *" licence of a machine-readable file, nothing from free text', () => {
    const dep5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: bash

Files: lib/*
License: BSD-3-clause

Files: *
Copyright: 1987-2024 Free Software Foundation, Inc.
License: GPL-3+
 This program is free software.

License: BSD-3-clause
 Redistribution and use...
`
    expect(licenseOfCopyright(dep5)).toBe('GPL-3.0-or-later')
    expect(
      licenseOfCopyright('This package was debianized by someone.\nIt is GPL.\n'),
    ).toBeUndefined()
  })
})

describe('image contents', () => {
  it('reads the distro from os-release', () => {
    expect(
      distroOf('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\n'),
    ).toBe('debian-13')
    expect(distroOf('ID=hostos\n')).toBe('hostos')
    expect(distroOf(undefined)).toBeUndefined()
  })

  it('takes the largest directories and packages from du and dpkg', () => {
    const du = [
      '100\t/mnt/etc',
      '9000\t/mnt/usr/lib',
      '12000\t/mnt/usr',
      '50\t/mnt/var/log',
      '20000\t/mnt',
      'junk',
    ].join('\n')
    expect(largestDirectories(du, '/mnt')).toEqual({
      totalBytes: 20000,
      directories: [
        { name: '/usr', bytes: 12000 },
        { name: '/usr/lib', bytes: 9000 },
        { name: '/etc', bytes: 100 },
        { name: '/var/log', bytes: 50 },
      ],
    })
    const pkg = (name: string, installedBytes: number) => ({
      name,
      version: '1',
      arch: 'all',
      source: name,
      sourceVersion: '1',
      installedBytes,
    })
    expect(largestPackages([pkg('a', 1), pkg('b', 3), pkg('c', 3)])).toEqual([
      { name: 'b', bytes: 3 },
      { name: 'c', bytes: 3 },
      { name: 'a', bytes: 1 },
    ])
  })
})
