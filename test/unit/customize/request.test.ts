import { describe, expect, it } from 'vitest'
import { customizeRequest } from '../../../src/cli/commands/customize.ts'
import {
  parseCopyIn,
  parseRootPassword,
  parseWrite,
  splitPackages,
} from '../../../src/customize/request.ts'
import { UsageError } from '../../../src/errors.ts'

describe('customize option values', () => {
  it.each([
    ['nginx', ['nginx']],
    ['nginx,curl', ['nginx', 'curl']],
    [' a, b  c ', ['a', 'b', 'c']],
    ['libc6:amd64,python3=3.11*', ['libc6:amd64', 'python3=3.11*']],
  ])('splits --install "%s"', (value, expected) => {
    expect(splitPackages('--install', value)).toEqual(expected)
  })

  it.each([',', '', 'a;rm -rf /', '$(x)'])('refuses --install "%s"', (value) => {
    expect(() => splitPackages('--install', value)).toThrow(UsageError)
  })

  it('splits --write at the first colon, keeping the content literally (colons and all)', () => {
    expect(parseWrite('/etc/motd:hello: world')).toEqual({
      kind: 'write',
      file: '/etc/motd',
      content: 'hello: world',
    })
    expect(parseWrite('/etc/empty:')).toEqual({ kind: 'write', file: '/etc/empty', content: '' })
  })

  it.each([
    ['etc/motd:x', /must be an absolute path/],
    ['/etc/../../x:y', /must not contain "\.\."/],
    ['/etc/:y', /names a directory/],
    ['nocolon', /needs FILE:CONTENT/],
  ])('refuses --write "%s"', (value, message) => {
    expect(() => parseWrite(value)).toThrow(message)
  })

  it('reads --copy-in LOCAL:REMOTEDIR and refuses a relative or missing directory', () => {
    expect(parseCopyIn('./app:/opt')).toEqual({
      kind: 'copy-in',
      local: './app',
      remoteDir: '/opt',
    })
    expect(() => parseCopyIn('./app:opt')).toThrow(/absolute path/)
    expect(() => parseCopyIn('./app:')).toThrow(/needs LOCALPATH:REMOTEDIR/)
  })

  it('knows the --root-password selectors it supports, and names the one it does not', () => {
    expect(parseRootPassword('password:s3:cret')).toEqual({
      kind: 'root-password',
      password: { kind: 'password', password: 's3:cret' },
    })
    expect(parseRootPassword('file:/root/pw')).toEqual({
      kind: 'root-password',
      password: { kind: 'file', path: '/root/pw' },
    })
    expect(parseRootPassword('disabled')).toEqual({
      kind: 'root-password',
      password: { kind: 'disabled' },
    })
    expect(() => parseRootPassword('random')).toThrow(/got "random"/)
  })
})

describe('customizeRequest()', () => {
  const write = parseWrite('/etc/x:y')

  it('writes to -o and leaves the input alone, in the order the operations came', () => {
    const request = customizeRequest(
      { add: '/img/a.qcow2', output: '/img/b.raw', selinuxRelabel: true },
      [write],
      { TMPDIR: '/var/tmp' },
    )
    expect(request).toMatchObject({
      image: '/img/a.qcow2',
      output: '/img/b.raw',
      inPlace: false,
      tmpDir: '/var/tmp',
    })
    expect(request.operations.map((op) => op.kind)).toEqual(['write', 'selinux-relabel'])
  })

  it.each([
    [{ add: 'a.qcow2' }, /say where the result goes with "-o FILE", or give "--in-place"/],
    [{ add: 'a.qcow2', output: 'a.qcow2' }, /names the input/],
    [{ add: 'a.qcow2', output: 'b.qcow2', inPlace: true }, /exclude each other/],
  ])('refuses %j', (cli, message) => {
    expect(() => customizeRequest(cli, [write], {})).toThrow(message)
  })

  it('refuses to do nothing, unless it is a dry run', () => {
    expect(() => customizeRequest({ add: 'a.qcow2', inPlace: true }, [], {})).toThrow(
      /Nothing to do/,
    )
    expect(
      customizeRequest({ add: 'a.qcow2', inPlace: true, dryRun: true }, [], {}).operations,
    ).toEqual([])
  })
})
