import { describe, expect, it } from 'vitest'
import {
  parseDibCommandLine,
  renderDibHelp,
  stripSingleTypeSuffix,
} from '../../../src/cli/dib-options.ts'
import { ConfigError, UsageError } from '../../../src/errors.ts'

const build = (argv: string[], env: Record<string, string> = {}) => {
  const command = parseDibCommandLine(argv, { HOME: '/home/u', ...env })
  if (command.kind !== 'build') throw new Error(`expected a build, got ${command.kind}`)
  return command.options
}

describe('parseDibCommandLine()', () => {
  it('applies DIB defaults when only elements are given', () => {
    const o = build(['debian-minimal', 'vm'])
    expect(o.elements).toEqual(['debian-minimal', 'vm'])
    expect(o.imageName).toBe('image')
    expect(o.imageTypes).toEqual(['qcow2'])
    expect(o.imageCache).toBe('/home/u/.cache/image-create')
    expect(o.fsType).toBe('ext4')
    expect(o.journalSizeMiB).toBe(64)
    expect(o.minTmpfsGiB).toBe(2)
    expect(o.installType).toBe('source')
    expect(o.checksums).toEqual([])
    expect(o.skipBase).toBe(false)
  })

  it('parses every short option, bundled and separate', () => {
    const o = build([
      '-xu',
      '-a',
      'arm64',
      '-ofoo',
      '-t',
      'raw,tar',
      '-n',
      '-c',
      '-p',
      'a,b',
      '-p',
      'c',
      'el',
    ])
    expect(o.debugTrace).toBe(1)
    expect(o.uncompressed).toBe(true)
    expect(o.arch).toBe('arm64')
    expect(o.imageName).toBe('foo')
    expect(o.imageTypes).toEqual(['raw', 'tar'])
    expect(o.skipBase).toBe(true)
    expect(o.packages).toEqual(['a', 'b', 'c'])
  })

  it('counts repeated -x and replaces -t with the last one', () => {
    const o = build(['-x', '-x', '-t', 'raw', '-t', 'vhd', 'el'])
    expect(o.debugTrace).toBe(2)
    expect(o.imageTypes).toEqual(['vhd'])
  })

  it('accepts every long option, with = or a separate value, and unambiguous prefixes', () => {
    const o = build([
      '--checksum',
      '--image-size=2.5',
      '--image-extra-size',
      '100',
      '--image-cache',
      '/c',
      '--max-online-resize',
      '1000',
      '--min-tmpfs',
      '3',
      '--mkfs-journal-size',
      '32',
      '--mkfs-options',
      '-O ^has_journal',
      '--no-tmpfs',
      '--offline',
      '--qemu-img-options',
      'compat=0.10',
      '--root-label',
      'myroot',
      '--ramdisk-element',
      'dracut-ramdisk',
      '--install-type',
      'package',
      '--docker-target',
      'r:t',
      '--log',
      '/tmp/x.log',
      '--boot-test',
      '--json-log',
      '/tmp/e.jsonl',
      '--html-report',
      '/tmp/r.html',
      'el',
    ])
    expect(o.checksums).toEqual(['md5', 'sha256'])
    expect(o.imageSizeBytes).toBe(2.5 * 1024 ** 3)
    expect(o.imageExtraSizeMiB).toBe(100)
    expect(o.imageCache).toBe('/c')
    expect(o.maxOnlineResize).toBe('1000')
    expect(o.minTmpfsGiB).toBe(3)
    expect(o.journalSizeMiB).toBe(32)
    expect(o.mkfsOptions).toEqual(['-O', '^has_journal'])
    expect(o.noTmpfs).toBe(true)
    expect(o.offline).toBe(true)
    expect(o.qemuImgOptions).toBe('compat=0.10')
    expect(o.rootLabel).toBe('myroot')
    expect(o.installType).toBe('package')
    expect(o.dockerTarget).toBe('r:t')
    expect(o.logfile).toBe('/tmp/x.log')
    expect(o.quiet).toBe(true)
    expect(o.bootTest).toBe(true)
    expect(o.jsonLog).toBe('/tmp/e.jsonl')
    expect(o.htmlReport).toBe('/tmp/r.html')
  })

  it('reads the environment variables the core honours', () => {
    const o = build(['el'], {
      DIB_IMAGE_SIZE: '3',
      DIB_IMAGE_EXTRA_SIZE: '50',
      DIB_JOURNAL_SIZE: '16',
      MKFS_OPTS: '-m 0',
      FS_TYPE: 'xfs',
      ROOT_LABEL: 'r',
      DIB_CHECKSUM: 'sha256',
      OVERWRITE_OLD_IMAGE: '1',
      DIB_NO_TMPFS: '1',
      DIB_OFFLINE: '1',
      ELEMENTS_PATH: '/a:/b',
      DIB_BLOCK_DEVICE_CONFIG: 'file:///x',
      TMPDIR: '/var/tmp',
      DIB_QUIET: '1',
      DIB_NO_TIMESTAMP: '1',
      DIB_DEBUG_TRACE: '1',
    })
    expect(o.imageSizeBytes).toBe(3 * 1024 ** 3)
    expect(o.imageExtraSizeMiB).toBe(50)
    expect(o.journalSizeMiB).toBe(16)
    expect(o.mkfsOptions).toEqual(['-m', '0'])
    expect(o.fsType).toBe('xfs')
    expect(o.rootLabel).toBe('r')
    expect(o.checksums).toEqual(['sha256'])
    expect(o.overwriteOldImage).toBe(true)
    expect(o.noTmpfs).toBe(true)
    expect(o.offline).toBe(true)
    expect(o.elementsPath).toEqual(['/a', '/b'])
    expect(o.blockDeviceConfig).toBe('file:///x')
    expect(o.tmpDir).toBe('/var/tmp')
    expect(o.quiet).toBe(true)
    expect(o.noTimestamp).toBe(true)
    expect(o.debugTrace).toBe(1)
  })

  it('lets the command line win over the environment', () => {
    const o = build(['--image-size', '1', '--root-label', 'cli', 'el'], {
      DIB_IMAGE_SIZE: '5',
      ROOT_LABEL: 'env',
    })
    expect(o.imageSizeBytes).toBe(1024 ** 3)
    expect(o.rootLabel).toBe('cli')
  })

  it.each([
    ['nothing', [], {}, undefined, undefined],
    [
      'the options',
      ['--json-log', '/l/e.jsonl', '--html-report=/r/b.html'],
      {},
      '/l/e.jsonl',
      '/r/b.html',
    ],
    ['an unambiguous prefix', ['--html', 'r.html'], {}, undefined, 'r.html'],
    [
      'the variables',
      [],
      { IMAGEWRIGHT_JSON_LOG: '/env.jsonl', IMAGEWRIGHT_HTML_REPORT: '/env.html' },
      '/env.jsonl',
      '/env.html',
    ],
    [
      'options over variables',
      ['--html-report', 'cli.html'],
      { IMAGEWRIGHT_HTML_REPORT: 'env.html' },
      undefined,
      'cli.html',
    ],
    [
      'empty variables',
      [],
      { IMAGEWRIGHT_JSON_LOG: '', IMAGEWRIGHT_HTML_REPORT: '' },
      undefined,
      undefined,
    ],
  ])('takes the JSON log and HTML report files from %s', (_, argv, env, jsonLog, htmlReport) => {
    const o = build([...argv, 'el'], env)
    expect([o.jsonLog, o.htmlReport]).toEqual([jsonLog, htmlReport])
  })

  it('lists --html-report in the help as an imagewright addition', () => {
    expect(renderDibHelp('disk-image-create')).toMatch(
      /^ {2}--html-report FILE +.*HTML report.*\(imagewright\)$/m,
    )
  })

  it('keeps only DIB_* and basic variables with -c', () => {
    const o = build(['-c', 'el'], { DIB_RELEASE: 'bookworm', SECRET: 'x', PATH: '/bin' })
    expect(o.env).toEqual({ DIB_RELEASE: 'bookworm', PATH: '/bin', HOME: '/home/u' })
  })

  it('returns help and version commands', () => {
    expect(parseDibCommandLine(['-h'], {}).kind).toBe('help')
    expect(parseDibCommandLine(['--help', 'x'], {}).kind).toBe('help')
    expect(parseDibCommandLine(['--version'], {}).kind).toBe('version')
  })

  it.each([
    [[], /At least one distribution root element/],
    [['--bogus', 'el'], /Unrecognized option "--bogus"/],
    [['-Z', 'el'], /Unrecognized option "-Z"/],
    [['--image-size', 'big', 'el'], /--image-size.*positive number.*"big"/],
    [['--image-size', '-1', 'el'], /--image-size.*positive number/],
    [['--install-type', 'magic', 'el'], /"source" or "package".*"magic"/],
    [['--mkfs', 'x', 'el'], /ambiguous/],
    [['-o'], /requires a value/],
    [['el', '--html-report'], /requires a value/],
    [['--checksum=yes', 'el'], /does not take a value/],
  ])('refuses %j with a clear usage error', (argv, message) => {
    expect(() => parseDibCommandLine(argv, {})).toThrow(UsageError)
    expect(() => parseDibCommandLine(argv, {})).toThrow(message)
  })

  it('refuses a bad DIB_CHECKSUM', () => {
    expect(() => parseDibCommandLine(['el'], { DIB_CHECKSUM: 'crc' })).toThrow(
      /DIB_CHECKSUM.*"crc"/,
    )
  })

  it.each([
    [{ DIB_IMAGE_SIZE: 'big' }, 'DIB_IMAGE_SIZE needs a positive number: got "big"'],
    [{ DIB_IMAGE_EXTRA_SIZE: '2G' }, 'DIB_IMAGE_EXTRA_SIZE needs a positive number: got "2G"'],
    [{ DIB_JOURNAL_SIZE: '0' }, 'DIB_JOURNAL_SIZE needs a positive number: got "0"'],
    [{ DIB_MIN_TMPFS: 'x' }, 'DIB_MIN_TMPFS needs a positive number: got "x"'],
    [
      { DIB_DEFAULT_INSTALLTYPE: 'magic' },
      'DIB_DEFAULT_INSTALLTYPE must be "source" or "package": got "magic"',
    ],
    [
      { DIB_CHECKSUM: 'crc' },
      'Cannot use DIB_CHECKSUM "crc": "crc" is not a checksum type; expected "1", "md5", "sha256" or "md5,sha256"',
    ],
  ])('names the variable in %j, as a configuration error', (env, message) => {
    expect(() => parseDibCommandLine(['el'], env)).toThrow(ConfigError)
    expect(() => parseDibCommandLine(['el'], env)).toThrow(message)
  })

  it('names the option, not the variable, when the option was given', () => {
    expect(() =>
      parseDibCommandLine(['--image-size', 'big', 'el'], { DIB_IMAGE_SIZE: '1' }),
    ).toThrow('Option "--image-size" needs a positive number: got "big"')
  })

  it('treats empty variables as unset', () => {
    const o = build(['el'], { DIB_IMAGE_SIZE: '', DIB_DEFAULT_INSTALLTYPE: '', IMAGE_TYPE: '' })
    expect(o.imageSizeBytes).toBeUndefined()
    expect(o.installType).toBe('source')
    expect(o.imageTypes).toEqual(['qcow2'])
  })

  it('refuses an unknown -t type while parsing, suggesting a close one', () => {
    const attempt = (): unknown => parseDibCommandLine(['-t', 'tar,tarr', 'el'], {})
    expect(attempt).toThrow(UsageError)
    expect(attempt).toThrow(/^Cannot write image type "tarr": unknown type/)
    try {
      attempt()
    } catch (error) {
      expect((error as UsageError).hint).toBe('did you mean "tar"?')
    }
  })

  it('treats arguments after -- as elements', () => {
    expect(build(['--', '-n']).elements).toEqual(['-n'])
    expect(build(['-n', '--', 'el']).skipBase).toBe(true)
  })
})

describe('stripSingleTypeSuffix()', () => {
  it.each([
    ['debian.qcow2', ['qcow2'], 'debian'],
    ['debian.qcow2', ['qcow2', 'raw'], 'debian.qcow2'],
    ['out/debian.raw', ['raw'], 'out/debian'],
    ['debian', ['qcow2'], 'debian'],
  ])('%s with %j gives %s', (name, types, expected) => {
    expect(stripSingleTypeSuffix(name, types)).toBe(expected)
  })
})
