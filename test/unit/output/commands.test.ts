import { describe, expect, it } from 'vitest'
import {
  buildGzipArgv,
  buildLayoutPackArgv,
  buildMksquashfsArgv,
  buildSparseCopyArgv,
  buildTarArgv,
  joinQemuOptions,
  parseQcowCompression,
  planQemuImgCommands,
} from '../../../src/output/commands.ts'
import { OUTPUT_FORMATS } from '../../../src/output/formats.ts'

function qemuOf(type: string) {
  const qemu = OUTPUT_FORMATS.get(type)?.qemu
  if (!qemu) throw new Error(`${type} is not a qemu format`)
  return qemu
}

const MIB = 1048576

describe('planQemuImgCommands', () => {
  it.each([
    {
      name: 'qcow2 is compressed by default',
      type: 'qcow2',
      uncompressed: false,
      user: undefined,
      expected: [['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', '-c', 's.raw', 't']],
    },
    {
      name: 'qcow2 uncompressed with -u',
      type: 'qcow2',
      uncompressed: true,
      user: undefined,
      expected: [['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', 's.raw', 't']],
    },
    {
      name: 'qcow2 with --qemu-img-options',
      type: 'qcow2',
      uncompressed: false,
      user: 'compat=0.10',
      expected: [
        [
          'qemu-img',
          'convert',
          '-f',
          'raw',
          '-O',
          'qcow2',
          '-c',
          '-o',
          'compat=0.10',
          's.raw',
          't',
        ],
      ],
    },
    {
      name: 'vmdk is never compressed with -c',
      type: 'vmdk',
      uncompressed: false,
      user: ' subformat=streamOptimized ',
      expected: [
        [
          'qemu-img',
          'convert',
          '-f',
          'raw',
          '-O',
          'vmdk',
          '-o',
          'subformat=streamOptimized',
          's.raw',
          't',
        ],
      ],
    },
    {
      name: 'vdi plain',
      type: 'vdi',
      uncompressed: false,
      user: '',
      expected: [['qemu-img', 'convert', '-f', 'raw', '-O', 'vdi', 's.raw', 't']],
    },
  ])('$name', ({ type, uncompressed, user, expected }) => {
    const plan = { source: 's.raw', sourceBytes: 64 * MIB, target: 't', qemu: qemuOf(type) }
    expect(planQemuImgCommands({ ...plan, uncompressed, userOptions: user })).toEqual(expected)
  })

  it.each([
    [64 * MIB, String(64 * MIB)],
    [64 * MIB + 65536, String(65 * MIB)],
    [1, String(MIB)],
  ])('vhd from %d raw bytes is created fixed at %s bytes, then filled', (bytes, size) => {
    const plan = { source: 's.raw', sourceBytes: bytes, target: 't.vhd', qemu: qemuOf('vhd') }
    expect(planQemuImgCommands({ ...plan, uncompressed: false, userOptions: 'a=b' })).toEqual([
      [
        'qemu-img',
        'create',
        '-q',
        '-f',
        'vpc',
        '-o',
        'subformat=fixed,force_size=on,a=b',
        't.vhd',
        size,
      ],
      ['qemu-img', 'convert', '-n', '--target-is-zero', '-f', 'raw', '-O', 'vpc', 's.raw', 't.vhd'],
    ])
  })
})

describe('planQemuImgCommands: speed and compression type', () => {
  const qcow2 = {
    source: 's.raw',
    sourceBytes: 64 * MIB,
    target: 't',
    qemu: qemuOf('qcow2'),
    uncompressed: false,
  }

  it('writes out of order (-W) when asked, and zstd as a creation option the user can override', () => {
    expect(
      planQemuImgCommands({
        ...qcow2,
        outOfOrder: true,
        compressionType: 'zstd',
        userOptions: 'compat=1.1',
      }),
    ).toEqual([
      [
        'qemu-img',
        'convert',
        '-W',
        '-f',
        'raw',
        '-O',
        'qcow2',
        '-c',
        '-o',
        'compression_type=zstd,compat=1.1',
        's.raw',
        't',
      ],
    ])
  })

  it('leaves the compression type out of an uncompressed qcow2 and of other formats', () => {
    expect(planQemuImgCommands({ ...qcow2, uncompressed: true, compressionType: 'zstd' })).toEqual([
      ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', 's.raw', 't'],
    ])
    expect(
      planQemuImgCommands({ ...qcow2, qemu: qemuOf('vmdk'), compressionType: 'zstd' }),
    ).toEqual([['qemu-img', 'convert', '-f', 'raw', '-O', 'vmdk', 's.raw', 't']])
  })

  it('puts -W on the convert that fills a pre-created vhd', () => {
    const commands = planQemuImgCommands({ ...qcow2, qemu: qemuOf('vhd'), outOfOrder: true })
    expect(commands[1]).toEqual([
      'qemu-img',
      'convert',
      '-W',
      '-n',
      '--target-is-zero',
      '-f',
      'raw',
      '-O',
      'vpc',
      's.raw',
      't',
    ])
  })
})

describe('parseQcowCompression', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['zstd', 'zstd'],
    ['zlib', 'zlib'],
  ])('%j → %j', (value, expected) => {
    expect(parseQcowCompression(value)).toBe(expected)
  })

  it('refuses another name, listing the known ones', () => {
    expect(() => parseQcowCompression('lz4')).toThrow(
      'IMAGEWRIGHT_QCOW2_COMPRESSION is "lz4"; it must be one of: zlib, zstd',
    )
  })
})

describe('joinQemuOptions', () => {
  it.each([
    [[], undefined, undefined],
    [[], '  ', undefined],
    [['a=1'], undefined, 'a=1'],
    [['a=1', 'b=2'], 'c=3,d=4', 'a=1,b=2,c=3,d=4'],
  ])('%j + %j → %j', (defaults, user, expected) => {
    expect(joinQemuOptions(defaults, user)).toBe(expected)
  })
})

describe('buildTarArgv', () => {
  const common = [
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '--sort=name',
  ]

  it('packs the whole tree as ./ without what the host mounted on /proc and /sys', () => {
    expect(buildTarArgv({ root: '/mnt', archive: '/out/i.tar' })).toEqual([
      'tar',
      '--create',
      '--file=/out/i.tar',
      '--directory=/mnt',
      ...common,
      '--anchored',
      '--exclude=./proc/*',
      '--exclude=./sys/*',
      '--',
      '.',
    ])
  })

  it('packs named members with matching exclude patterns', () => {
    const argv = buildTarArgv({ root: '/mnt', archive: 'a', members: ['bin', 'etc', '-x'] })
    expect(argv.slice(-6)).toEqual([
      '--exclude=proc/*',
      '--exclude=sys/*',
      '--',
      'bin',
      'etc',
      '-x',
    ])
  })

  it('clamps times to SOURCE_DATE_EPOCH', () => {
    const argv = buildTarArgv({ root: '/mnt', archive: 'a', sourceDateEpoch: 1700000000 })
    expect(argv).toContain('--mtime=@1700000000')
    expect(argv).toContain('--clamp-mtime')
    expect(buildTarArgv({ root: '/mnt', archive: 'a' }).join(' ')).not.toMatch(/mtime/)
  })
})

describe('buildGzipArgv', () => {
  it.each([
    [undefined, false, ['gzip', '-9', '-n', '-f', '/o/i.tar']],
    ['', true, ['gzip', '-9', '-n', '-f', '-k', '/o/i.tar']],
    ['pigz', false, ['pigz', '-9', '-n', '-f', '/o/i.tar']],
    [
      '  /usr/bin/pigz -p 4 ',
      true,
      ['/usr/bin/pigz', '-p', '4', '-9', '-n', '-f', '-k', '/o/i.tar'],
    ],
  ])('DIB_GZIP_BIN=%j keep=%j', (gzipBin, keep, expected) => {
    expect(buildGzipArgv('/o/i.tar', { gzipBin, keep })).toEqual(expected)
  })
})

describe('buildMksquashfsArgv', () => {
  it('writes xz, excludes proc and sys contents, and keeps -e last', () => {
    expect(buildMksquashfsArgv({ root: '/mnt', target: '/o/i.squashfs' })).toEqual([
      'mksquashfs',
      '/mnt',
      '/o/i.squashfs',
      '-comp',
      'xz',
      '-noappend',
      '-no-recovery',
      '-no-progress',
      '-wildcards',
      '-e',
      'proc/*',
      'sys/*',
    ])
  })

  it('fixes every time with SOURCE_DATE_EPOCH', () => {
    const argv = buildMksquashfsArgv({ root: '/r', target: 't', sourceDateEpoch: 42 })
    expect(argv.slice(7, 13)).toEqual([
      '-no-progress',
      '-mkfs-time',
      '42',
      '-all-time',
      '42',
      '-wildcards',
    ])
    expect(argv.slice(-3)).toEqual(['-e', 'proc/*', 'sys/*'])
  })
})

describe('buildSparseCopyArgv', () => {
  it('keeps holes and reflinks where possible', () => {
    expect(buildSparseCopyArgv('/b/img.raw', '/o/i.raw')).toEqual([
      'cp',
      '--sparse=always',
      '--reflink=auto',
      '--',
      '/b/img.raw',
      '/o/i.raw',
    ])
  })
})

describe('buildLayoutPackArgv', () => {
  it('packs the layout owned by root at one fixed time', () => {
    const argv = buildLayoutPackArgv({
      layoutDir: '/s/layout',
      archive: '/o/i.oci.tar',
      members: ['oci-layout', 'index.json', 'blobs'],
      mtime: 1700000000,
    })
    expect(argv.slice(0, 4)).toEqual([
      'tar',
      '--create',
      '--file=/o/i.oci.tar',
      '--directory=/s/layout',
    ])
    expect(argv).toEqual(
      expect.arrayContaining(['--owner=0', '--group=0', '--mtime=@1700000000', '--sort=name']),
    )
    expect(argv.slice(-4)).toEqual(['--', 'oci-layout', 'index.json', 'blobs'])
  })
})
