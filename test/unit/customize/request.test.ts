import { describe, expect, it } from 'vitest'
import { customizeRequest } from '../../../src/cli/commands/customize.ts'
import {
  parseCopyIn,
  parseRootPassword,
  parseSizeOption,
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

describe('customize --element and --size', () => {
  it('reads the elements as a build would, without base, ELEMENTS_PATH or --elements-path', () => {
    const request = customizeRequest(
      { add: '/img/a.qcow2', output: '/img/web.qcow2', element: ['one', 'two'] },
      [{ kind: 'elements' }],
      { ELEMENTS_PATH: '/site:/more', DIB_RELEASE: 'bookworm' },
    )
    expect(request.elements?.names).toEqual(['one', 'two'])
    expect(request.elements?.options).toMatchObject({
      elements: ['one', 'two'],
      skipBase: true,
      imageName: '/img/web',
      elementsPath: ['/site', '/more'],
    })
    expect(request.elements?.options.env['DIB_RELEASE']).toBe('bookworm')
    const overridden = customizeRequest(
      { add: 'a.qcow2', inPlace: true, element: ['one'], elementsPath: '/mine' },
      [{ kind: 'elements' }],
      { ELEMENTS_PATH: '/site' },
    )
    expect(overridden.elements?.options.elementsPath).toEqual(['/mine'])
    expect(() =>
      customizeRequest({ add: 'a.qcow2', inPlace: true, elementsPath: '/x' }, [write()], {}),
    ).toThrow(/"--elements-path" needs at least one "--element"/)
  })

  it('takes --size alone as something to do', () => {
    expect(customizeRequest({ add: 'a.qcow2', inPlace: true, size: '+2GiB' }, [], {}).size).toEqual(
      { bytes: 2 * 1024 ** 3, grow: true },
    )
  })

  it.each([
    ['8G', { bytes: 8e9, grow: false }],
    ['8GiB', { bytes: 8 * 1024 ** 3, grow: false }],
    ['+512MiB', { bytes: 512 * 1024 ** 2, grow: true }],
  ])('parses --size %s in DIB units', (value, expected) => {
    expect(parseSizeOption(value)).toEqual(expected)
  })

  it.each([
    ['8Q', /unknown unit "Q"/],
    ['-1G', /expected a number/],
    ['+0', /not a positive size/],
  ])('refuses --size %s', (value, message) => {
    expect(() => parseSizeOption(value)).toThrow(message)
  })
})

function write(): ReturnType<typeof parseWrite> {
  return parseWrite('/etc/x:y')
}
