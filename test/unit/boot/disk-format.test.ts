import { describe, expect, it } from 'vitest'
import {
  hasBootSignature,
  formatFromExtension,
  isDiskFormat,
  parseQemuImgInfo,
  qemuImgHeadArgv,
  qemuImgInfoArgv,
  qemuImgOverlayArgv,
  sectorSizeFromHead,
} from '../../../src/boot/disk-format.ts'

describe('formatFromExtension', () => {
  it.each([
    ['/o/debian.qcow2', 'qcow2'],
    ['/o/debian.raw', 'raw'],
    ['/o/debian.vmdk', 'vmdk'],
    ['/o/debian.vhd', 'vpc'],
    ['/o/debian.VHD', 'vpc'],
    ['/o/debian.vhdx', 'vhdx'],
    ['/o/debian.img', undefined],
    ['/o/debian', undefined],
    ['/o/debian.tar', undefined],
  ])('%s -> %s', (path, format) => expect(formatFromExtension(path)).toBe(format))
})

describe('parseQemuImgInfo', () => {
  it('reads format and virtual size', () => {
    const json = JSON.stringify({
      'virtual-size': 2147483648,
      filename: 'x.vhd',
      format: 'vpc',
      'actual-size': 1000,
    })
    expect(parseQemuImgInfo(json)).toEqual({ format: 'vpc', virtualSize: 2147483648 })
  })

  it.each([
    ['{"virtual-size": 1}', /format/],
    ['{"format": "raw"}', /virtual-size/],
    ['null', /not an object/],
  ])('rejects %s', (json, message) => expect(() => parseQemuImgInfo(json)).toThrow(message))
})

describe('isDiskFormat', () => {
  it.each([
    ['qcow2', true],
    ['vpc', true],
    ['vhd', false],
    ['luks', false],
  ])('%s -> %s', (name, expected) => expect(isDiskFormat(name)).toBe(expected))
})

describe('qemu-img argv', () => {
  it('probes without taking the image lock', () => {
    expect(qemuImgInfoArgv('/o/a.qcow2')).toEqual([
      'qemu-img',
      'info',
      '--output=json',
      '--force-share',
      '/o/a.qcow2',
    ])
  })

  it('creates a sized qcow2 overlay with an explicit backing format', () => {
    expect(
      qemuImgOverlayArgv({ path: '/o/a.vhd', format: 'vpc' }, '/tmp/t/o.qcow2', 21474836480),
    ).toEqual([
      'qemu-img',
      'create',
      '-f',
      'qcow2',
      '-b',
      '/o/a.vhd',
      '-F',
      'vpc',
      '/tmp/t/o.qcow2',
      '21474836480',
    ])
  })
})

describe('hasBootSignature', () => {
  const sector = (bytes: Record<number, number>, length = 512): Uint8Array => {
    const data = new Uint8Array(length)
    for (const [offset, value] of Object.entries(bytes)) data[Number(offset)] = value
    return data
  }

  it('accepts a sector ending in 55 AA (MBR or protective MBR)', () => {
    expect(hasBootSignature(sector({ 510: 0x55, 511: 0xaa }))).toBe(true)
  })

  it.each([
    ['an empty sector', sector({})],
    ['swapped signature bytes', sector({ 510: 0xaa, 511: 0x55 })],
    ['a file shorter than a sector', sector({ 510: 0x55, 511: 0xaa }, 511)],
    ['text', new TextEncoder().encode('hello\n')],
  ])('refuses %s', (_name, data) => {
    expect(hasBootSignature(data)).toBe(false)
  })
})

describe('sectorSizeFromHead', () => {
  const headWithGptAt = (offset: number | undefined): Uint8Array => {
    const head = new Uint8Array(8192)
    head[510] = 0x55
    head[511] = 0xaa
    if (offset !== undefined) head.set(new TextEncoder().encode('EFI PART'), offset)
    return head
  }

  it.each([
    [512, 512],
    [4096, 4096],
    [2048, 2048],
    [undefined, 512],
    [100, 512],
  ])('a GPT header at byte %s means %s-byte sectors', (offset, expected) => {
    expect(sectorSizeFromHead(headWithGptAt(offset))).toBe(expected)
  })

  it('takes 512 when the image is shorter than the header would need', () => {
    expect(sectorSizeFromHead(new Uint8Array(600))).toBe(512)
  })

  it('reads the head of any format through qemu-img dd', () => {
    expect(qemuImgHeadArgv({ path: '/i/a.qcow2', format: 'qcow2' }, '/t/head.raw')).toEqual([
      'qemu-img',
      'dd',
      '-f',
      'qcow2',
      '-O',
      'raw',
      'bs=8192',
      'count=1',
      'if=/i/a.qcow2',
      'of=/t/head.raw',
    ])
  })
})
