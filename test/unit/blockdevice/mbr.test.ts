import { describe, expect, it } from 'vitest'
import { encodeChs, encodeMbr } from '../../../src/blockdevice/layout/mbr-encode.ts'
import { layoutMbr, type MbrPartitionSpec } from '../../../src/blockdevice/layout/mbr-layout.ts'
import { ConfigError } from '../../../src/errors.ts'
import { parseSizeOrPercent } from '../../../src/util/size.ts'

const GIB = 1024 ** 3
const MIB = 1024 ** 2

function part(
  name: string,
  size: string,
  flags: string[] = ['primary'],
  type?: string,
): MbrPartitionSpec {
  return {
    name,
    size: parseSizeOrPercent(size),
    primary: flags.includes('primary'),
    boot: flags.includes('boot'),
    type,
  }
}

function layout(partitions: MbrPartitionSpec[], diskBytes = GIB, sectorSize = 512) {
  return layoutMbr({ diskBytes, sectorSize, align: MIB, partitions })
}

function entry(sector: Uint8Array, slot: number) {
  const view = new DataView(sector.buffer, 446 + slot * 16, 16)
  return {
    flag: view.getUint8(0),
    type: view.getUint8(4),
    lba: view.getUint32(8, true),
    sectors: view.getUint32(12, true),
  }
}

describe('layoutMbr()', () => {
  it('puts a single 100% partition at 1 MiB up to the end of the disk', () => {
    const result = layout([part('root', '100%', ['boot', 'primary'])])
    expect(result.partitions).toEqual([
      {
        name: 'root',
        number: 1,
        logical: false,
        boot: true,
        type: 0x83,
        startSector: 2048,
        sectors: 2_097_152 - 2048,
        ebrSector: undefined,
      },
    ])
    expect(result.extended).toBeUndefined()
  })

  it('aligns each start and takes percentages of what is still free', () => {
    const result = layout([part('a', '10MiB'), part('b', '1000000'), part('c', '50%')])
    const [a, b, c] = result.partitions
    expect(a).toMatchObject({ startSector: 2048, sectors: 20_480 })
    expect(b).toMatchObject({ startSector: 2048 + 20_480, sectors: 1953 })
    const cStart = Math.ceil((2048 + 20_480 + 1953) / 2048) * 2048
    expect(c).toMatchObject({ startSector: cStart, sectors: Math.floor((2_097_152 - cStart) / 2) })
  })

  it('opens an extended partition for logical partitions, each after its EBR and a gap', () => {
    const result = layout([part('p1', '100MiB'), part('l1', '50MiB', []), part('l2', '100%', [])])
    expect(result.extended).toEqual({
      number: 2,
      startSector: 206_848,
      sectors: 2_097_152 - 206_848,
    })
    expect(result.partitions.map((p) => [p.name, p.number, p.ebrSector, p.startSector])).toEqual([
      ['p1', 1, undefined, 2048],
      ['l1', 5, 206_848, 208_896],
      ['l2', 6, 311_296, 313_344],
    ])
    expect(result.partitions[2]?.sectors).toBe(2_097_152 - 313_344)
  })

  it('works in 4096-byte sectors', () => {
    const result = layoutMbr({
      diskBytes: GIB,
      sectorSize: 4096,
      align: MIB,
      partitions: [part('a', '100%')],
    })
    expect(result.partitions[0]).toMatchObject({ startSector: 256, sectors: 262_144 - 256 })
  })

  it.each([
    [
      'a primary after a logical',
      [part('l', '1MiB', []), part('p', '1MiB')],
      /primary partition "p" after logical/,
    ],
    ['a fifth primary', ['a', 'b', 'c', 'd', 'e'].map((n) => part(n, '1MiB')), /an MBR holds 4/],
    [
      'a logical after four primaries',
      [...['a', 'b', 'c', 'd'].map((n) => part(n, '1MiB')), part('l', '1MiB', [])],
      /none is left for the extended/,
    ],
    ['a partition larger than the disk', [part('a', '2GiB')], /Cannot fit partition "a" \(2 GiB\)/],
    [
      'a partition after a full disk',
      [part('a', '100%'), part('b', '1%')],
      /Cannot fit partition "b"/,
    ],
    ['a type wider than a byte', [part('a', '1MiB', ['primary'], 'EF00')], /type "EF00".*one byte/],
    ['a partition smaller than a sector', [part('a', '100B')], /less than one sector/],
  ])('refuses %s', (_what, partitions, message) => {
    expect(() => layout(partitions)).toThrow(ConfigError)
    expect(() => layout(partitions)).toThrow(message)
  })

  it('reads hex types with or without 0x', () => {
    const result = layout([
      part('a', '1MiB', ['primary'], '0x0c'),
      part('b', '1MiB', ['primary'], 'ef'),
      part('c', '1MiB', ['primary'], '83'),
    ])
    expect(result.partitions.map((p) => p.type)).toEqual([0x0c, 0xef, 0x83])
  })
})

describe('encodeMbr()', () => {
  it('writes the disk id, boot flag, type, LBA fields and signature', () => {
    const [mbr, ...rest] = encodeMbr(
      layout([part('root', '100%', ['boot', 'primary'], '0x0c')]),
      0xdeadbeef,
    )
    expect(rest).toEqual([])
    if (!mbr) throw new Error('no MBR')
    expect(mbr.offset).toBe(0)
    expect([...mbr.data.subarray(440, 446)]).toEqual([0xef, 0xbe, 0xad, 0xde, 0, 0])
    expect(entry(mbr.data, 0)).toEqual({ flag: 0x80, type: 0x0c, lba: 2048, sectors: 2_095_104 })
    expect(entry(mbr.data, 1)).toEqual({ flag: 0, type: 0, lba: 0, sectors: 0 })
    expect([...mbr.data.subarray(510, 512)]).toEqual([0x55, 0xaa])
    expect([...mbr.data.subarray(0, 440)].every((byte) => byte === 0)).toBe(true)
  })

  it('chains EBRs: logical entries relative to their EBR, links relative to the extended start', () => {
    const result = layout([
      part('p', '100MiB'),
      part('l1', '50MiB', ['boot']),
      part('l2', '20MiB', []),
      part('l3', '100%', []),
    ])
    const writes = encodeMbr(result, 1)
    expect(writes.map((w) => w.offset / 512)).toEqual([0, 206_848, 311_296, 354_304])
    const [mbr, ebr1, ebr2, ebr3] = writes.map((w) => w.data)
    if (!mbr || !ebr1 || !ebr2 || !ebr3) throw new Error('missing sectors')
    expect(entry(mbr, 1)).toEqual({
      flag: 0,
      type: 0x0f,
      lba: 206_848,
      sectors: 2_097_152 - 206_848,
    })
    expect(entry(ebr1, 0)).toEqual({ flag: 0x80, type: 0x83, lba: 2048, sectors: 102_400 })
    expect(entry(ebr1, 1)).toEqual({
      flag: 0,
      type: 0x05,
      lba: 311_296 - 206_848,
      sectors: 2048 + 40_960,
    })
    expect(entry(ebr2, 1)).toEqual({
      flag: 0,
      type: 0x05,
      lba: 354_304 - 206_848,
      sectors: 2_097_152 - 354_304,
    })
    expect(entry(ebr3, 0)).toMatchObject({ lba: 2048, sectors: 2_097_152 - 356_352 })
    expect(entry(ebr3, 1)).toEqual({ flag: 0, type: 0, lba: 0, sectors: 0 })
    for (const sector of [ebr1, ebr2, ebr3])
      expect([...sector.subarray(510, 512)]).toEqual([0x55, 0xaa])
  })

  it('pads sectors to the sector size', () => {
    const writes = encodeMbr(
      layoutMbr({
        diskBytes: GIB,
        sectorSize: 4096,
        align: MIB,
        partitions: [part('l', '100%', [])],
      }),
      7,
    )
    expect(writes.map((w) => [w.offset, w.data.length])).toEqual([
      [0, 4096],
      [256 * 4096, 4096],
    ])
  })
})

describe('encodeChs()', () => {
  it.each([
    [0, [0, 1, 0]],
    [62, [0, 63, 0]],
    [63, [1, 1, 0]],
    [2048, [32, 33, 0]],
    [255 * 63 * 300, [0, 0x40 | 1, 300 & 0xff]],
    [255 * 63 * 1024, [254, 0xff, 0xff]],
  ])('encodes LBA %d', (lba, chs) => {
    expect(encodeChs(lba)).toEqual(chs)
  })
})
