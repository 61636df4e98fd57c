// The stand-in Ubuntu mirror's Release files (test/helpers/ubuntu-release.ts): what apt and
// mmdebstrap read from them must say noble, list only what the stand-in serves, and keep
// Debian's checksums for Debian's files.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { rewriteRelease } from '../../helpers/ubuntu-release.ts'

const BOOKWORM = `Origin: Debian
Label: Debian
Suite: oldstable
Version: 12.15
Codename: bookworm
Date: Sat, 11 Jul 2026 10:16:37 UTC
Acquire-By-Hash: yes
Signed-By: 4D64FEC119C2029067D6E791F8D2585B8783D481
Architectures: all amd64 arm64
Components: main contrib non-free-firmware non-free
Description: Debian 12.15 Released 11 July 2026
MD5Sum:
 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
 1b4a5a3a0c1fba2c64e3a5a8b5d8e7b1  8790012 main/binary-amd64/Packages.xz
SHA256:
 aa00000000000000000000000000000000000000000000000000000000000001  1484322 contrib/Contents-all
 bb00000000000000000000000000000000000000000000000000000000000002  8790012 main/binary-amd64/Packages.xz
 cc00000000000000000000000000000000000000000000000000000000000003     1234 non-free/binary-amd64/Packages.xz
`

describe('rewriteRelease', () => {
  const packages = Buffer.from('Package: linux-image-generic\n')
  const text = rewriteRelease(BOOKWORM, {
    suite: 'noble-updates',
    codename: 'noble',
    keep: ['main'],
    added: new Map([['universe/binary-amd64/Packages', packages]]),
  })

  it("names Ubuntu's suite, code name and components, and drops Debian's Signed-By", () => {
    expect(text).toMatch(/^Suite: noble-updates$/m)
    expect(text).toMatch(/^Codename: noble$/m)
    expect(text).toMatch(/^Components: main universe$/m)
    expect(text).not.toContain('Signed-By')
    // Everything else is Debian's, in Debian's order.
    expect(text.split('\n').slice(0, 3)).toEqual([
      'Origin: Debian',
      'Label: Debian',
      'Suite: noble-updates',
    ])
    expect(text).toContain('Acquire-By-Hash: yes\n')
    expect(text).toContain('Date: Sat, 11 Jul 2026 10:16:37 UTC\n')
  })

  it("keeps Debian's checksums of the kept components and adds the stand-in's own files", () => {
    const sha256 = createHash('sha256').update(packages).digest('hex')
    const md5 = createHash('md5').update(packages).digest('hex')
    expect(text.slice(text.indexOf('MD5Sum:'))).toBe(
      [
        'MD5Sum:',
        ' 1b4a5a3a0c1fba2c64e3a5a8b5d8e7b1  8790012 main/binary-amd64/Packages.xz',
        ` ${md5}       29 universe/binary-amd64/Packages`,
        'SHA256:',
        ' bb00000000000000000000000000000000000000000000000000000000000002  8790012 main/binary-amd64/Packages.xz',
        ` ${sha256}       29 universe/binary-amd64/Packages`,
        '',
      ].join('\n'),
    )
  })
})
