import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.ts'
import {
  listImageTypes,
  OUTPUT_FORMATS,
  PRODUCER_SOURCES,
  resolveOutputFormats,
  roundUpToMiB,
  splitImageTypes,
} from '../../../src/output/formats.ts'

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('splitImageTypes', () => {
  it.each([
    ['qcow2', ['qcow2']],
    ['qcow2,tar', ['qcow2', 'tar']],
    [' vhd , raw ,', ['vhd', 'raw']],
    ['', []],
  ])('splits %j', (value, expected) => {
    expect(splitImageTypes(value)).toEqual(expected)
  })
})

describe('resolveOutputFormats', () => {
  it.each([
    ['qcow2', 'qcow2', 'disk', 'qemu-img'],
    ['raw', 'raw', 'disk', 'copy'],
    ['vhd', 'vhd', 'disk', 'qemu-img'],
    ['vhdx', 'vhdx', 'disk', 'qemu-img'],
    ['vmdk', 'vmdk', 'disk', 'qemu-img'],
    ['vdi', 'vdi', 'disk', 'qemu-img'],
    ['qed', 'qed', 'disk', 'qemu-img'],
    ['qcow', 'qcow', 'disk', 'qemu-img'],
    ['tar', 'tar', 'tree', 'tar'],
    ['tgz', 'tgz', 'tree', 'tgz'],
    ['squashfs', 'squashfs', 'tree', 'squashfs'],
    ['oci', 'oci.tar', 'tree', 'oci'],
    ['docker', 'oci.tar', 'tree', 'oci'],
  ])('knows %s (.%s, from the %s, by %s)', (type, extension, source, producer) => {
    const [format] = resolveOutputFormats([type])
    expect(format).toMatchObject({ type, extension, source, producer })
  })

  it('writes vhd as a fixed-size vpc rounded to whole MiB', () => {
    const vhd = OUTPUT_FORMATS.get('vhd')
    expect(vhd?.qemu).toEqual({
      format: 'vpc',
      options: ['subformat=fixed', 'force_size=on'],
      compressible: false,
      alignToMiB: true,
    })
  })

  it('compresses only qcow2', () => {
    const compressible = listImageTypes().filter((t) => OUTPUT_FORMATS.get(t)?.qemu?.compressible)
    expect(compressible).toEqual(['qcow2'])
  })

  it('names the Debian package of each tool', () => {
    expect(OUTPUT_FORMATS.get('qcow2')?.tools).toEqual([
      { command: 'qemu-img', debianPackage: 'qemu-utils' },
    ])
    expect(OUTPUT_FORMATS.get('squashfs')?.tools).toEqual([
      { command: 'mksquashfs', debianPackage: 'squashfs-tools' },
    ])
  })

  it('keeps the requested order and drops repeats and types writing the same file', () => {
    const types = resolveOutputFormats(['tar', 'qcow2', 'tar', 'docker', 'oci', 'tgz'])
    expect(types.map((f) => f.type)).toEqual(['tar', 'qcow2', 'docker', 'tgz'])
  })

  it('says docker now writes an archive', () => {
    expect(OUTPUT_FORMATS.get('docker')?.note).toMatch(/OCI image archive.*docker load/)
  })

  it('lists the valid types for an unknown one', () => {
    const error = errorOf(() => resolveOutputFormats(['qcow2', 'bogus']))
    expect(error.message).toBe(
      'Cannot write image type "bogus": unknown type; valid types are "qcow2", "raw", "vhd", ' +
        '"vhdx", "vmdk", "vdi", "qed", "qcow", "tar", "tgz", "squashfs", "oci", "docker"',
    )
  })

  it('suggests the lower-case spelling', () => {
    expect(errorOf(() => resolveOutputFormats(['QCOW2'])).hint).toBe('did you mean "qcow2"?')
  })

  it.each([
    ['tarr', 'did you mean "tar"?'],
    ['qcow3', 'did you mean "qcow" or "qcow2"?'],
    ['Squashf', 'did you mean "squashfs"?'],
    ['bogus', undefined],
  ])('suggests close spellings of %s', (type, hint) => {
    expect(errorOf(() => resolveOutputFormats([type])).hint).toBe(hint)
  })

  it.each([
    ['aci', /obsolete.*use "oci"/],
    ['vpc', /use "vhd"/],
    ['squash', /called "squashfs"/],
    ['iso', /"iso" element/],
  ])('refuses %s with a reason', (type, reason) => {
    const error = errorOf(() => resolveOutputFormats([type]))
    expect(error.message).toMatch(new RegExp(`^Cannot write image type "${type}": `))
    expect(error.message).toMatch(reason)
  })

  it('needs at least one type', () => {
    expect(() => resolveOutputFormats([])).toThrow(/no output type given/)
  })
})

describe('roundUpToMiB', () => {
  it.each([
    [0, 0],
    [1, 1048576],
    [1048576, 1048576],
    [1048577, 2097152],
    [67174400, 68157440],
  ])('%d → %d', (bytes, rounded) => {
    expect(roundUpToMiB(bytes)).toBe(rounded)
  })
})

describe('PRODUCER_SOURCES', () => {
  it('every producer makes at least one type, from the source it is listed with', () => {
    for (const [producer, source] of Object.entries(PRODUCER_SOURCES)) {
      const made = [...OUTPUT_FORMATS.values()].filter((format) => format.producer === producer)
      expect(made.length, producer).toBeGreaterThan(0)
      for (const format of made) expect(format.source, format.type).toBe(source)
    }
  })
})
