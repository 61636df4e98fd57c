import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OUTPUT_FORMATS, type OutputFormat } from '../../../src/output/formats.ts'
import {
  formatRetireStamp,
  outputPathFor,
  parseOverwriteOldImage,
  renameInChecksumText,
  resolveImageName,
  retiredPathFor,
  temporaryPathFor,
} from '../../../src/output/naming.ts'

function format(type: string): OutputFormat {
  const found = OUTPUT_FORMATS.get(type)
  if (!found) throw new Error(`unknown ${type}`)
  return found
}

describe('resolveImageName', () => {
  it.each([
    [undefined, ['qcow2'], 'image'],
    ['', ['qcow2'], 'image'],
    ['debian', ['qcow2'], 'debian'],
    ['debian.qcow2', ['qcow2'], 'debian'],
    ['out/debian.qcow2', ['qcow2'], 'out/debian'],
    ['debian.qcow2', ['qcow2', 'qcow2'], 'debian'],
    // only with exactly one type, as diskimage-builder does
    ['debian.qcow2', ['qcow2', 'raw'], 'debian.qcow2'],
    ['debian.raw', ['qcow2'], 'debian.raw'],
    ['debian.squashfs', ['squashfs'], 'debian'],
    ['c.oci.tar', ['oci'], 'c'],
    ['c.oci', ['oci'], 'c'],
    ['c.oci.tar', ['docker'], 'c'],
    ['c.docker', ['docker'], 'c'],
    ['debian.tgz', ['tgz'], 'debian'],
    ['my.image.vhd', ['vhd'], 'my.image'],
    // never down to an empty file name
    ['.qcow2', ['qcow2'], '.qcow2'],
    ['out/.qcow2', ['qcow2'], 'out/.qcow2'],
    ['debianqcow2', ['qcow2'], 'debianqcow2'],
  ])('-o %j -t %j → %j', (name, types, expected) => {
    expect(resolveImageName(name, types)).toBe(expected)
  })
})

describe('outputPathFor', () => {
  it.each([
    ['debian', 'qcow2', 'debian.qcow2'],
    ['out/debian', 'squashfs', 'out/debian.squashfs'],
    ['c', 'docker', 'c.oci.tar'],
    ['/abs/x', 'vhd', '/abs/x.vhd'],
  ])('%s as %s → %s', (name, type, expected) => {
    expect(outputPathFor(name, format(type))).toBe(resolve(expected))
  })
})

describe('parseOverwriteOldImage', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    [' 0 ', false],
    ['1', true],
    ['yes', true],
  ])('OVERWRITE_OLD_IMAGE=%j → %j', (value, expected) => {
    expect(parseOverwriteOldImage(value)).toBe(expected)
  })
})

describe('formatRetireStamp', () => {
  it('uses local time as YYYY.MM.DD-HH.MM.SS', () => {
    expect(formatRetireStamp(new Date(2024, 0, 5, 7, 8, 9))).toBe('2024.01.05-07.08.09')
    expect(formatRetireStamp(new Date(2031, 11, 31, 23, 59, 58))).toBe('2031.12.31-23.59.58')
  })
})

describe('retiredPathFor', () => {
  it('puts the stamp between name and extension', () => {
    const stamp = '2024.01.05-07.08.09'
    expect(retiredPathFor('out/deb', format('qcow2'), stamp)).toBe(
      resolve('out/deb-2024.01.05-07.08.09.qcow2'),
    )
    expect(retiredPathFor('c', format('oci'), stamp, 3)).toBe(
      resolve('c-2024.01.05-07.08.09-3.oci.tar'),
    )
  })
})

describe('temporaryPathFor', () => {
  it('is a sibling of the final file', () => {
    expect(temporaryPathFor('/o/deb.qcow2', 'abcd')).toBe('/o/deb.qcow2.partial-abcd')
    const random = temporaryPathFor('/o/deb.qcow2')
    expect(random).toMatch(/^\/o\/deb\.qcow2\.partial-[0-9a-f]{8}$/)
    expect(temporaryPathFor('/o/deb.qcow2')).not.toBe(random)
  })
})

describe('renameInChecksumText', () => {
  it('renames only exact file names', () => {
    const text = 'abc  deb.qcow2\nabc  deb.qcow2.old\n'
    expect(renameInChecksumText(text, 'deb.qcow2', 'deb-1.qcow2')).toBe(
      'abc  deb-1.qcow2\nabc  deb.qcow2.old\n',
    )
  })
})
