import { describe, expect, it } from 'vitest'
import {
  packageCommands,
  packageManagerFor,
  parseOsRelease,
} from '../../../src/customize/package-manager.ts'

describe('packageManagerFor()', () => {
  it.each([
    ['ID=debian\nVERSION_CODENAME=bookworm\n', 'apt'],
    ['NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', 'apt'],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'apt'],
    ['ID="centos"\nID_LIKE="rhel fedora"\n', 'dnf'],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'dnf'],
    ['ID=fedora\n', 'dnf'],
    ['ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', 'zypper'],
    ['ID=hostos\n', undefined],
    ['', undefined],
  ])('%j → %s', (text, expected) => {
    expect(packageManagerFor(parseOsRelease(text))).toBe(expected)
  })
})

describe('packageCommands()', () => {
  it("updates apt's lists before installing and cleans its cache after", () => {
    expect(packageCommands('apt-get', 'install', ['nginx', 'curl'])).toEqual([
      ['apt-get', 'update'],
      ['apt-get', '-y', 'install', 'nginx', 'curl'],
      ['apt-get', 'clean'],
    ])
  })

  it.each(['dnf', 'yum'])('uses %s the same way', (program) => {
    expect(packageCommands(program, 'uninstall', ['vim'])).toEqual([
      [program, '-y', 'remove', 'vim'],
      [program, 'clean', 'all'],
    ])
  })

  it('runs zypper without prompts', () => {
    expect(packageCommands('zypper', 'install', ['vim'])[0]).toEqual([
      'zypper',
      '--non-interactive',
      'install',
      'vim',
    ])
  })
})
