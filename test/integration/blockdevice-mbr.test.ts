// Our own MBR writer, checked by util-linux: write into a sparse 1 GiB file, read back with partx.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeMbr } from '../../src/blockdevice/layout/mbr-encode.ts'
import {
  layoutMbr,
  type MbrLayout,
  type MbrPartitionSpec,
} from '../../src/blockdevice/layout/mbr-layout.ts'
import { writeSectors } from '../../src/blockdevice/run/sector-io.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'
import { parseSizeOrPercent } from '../../src/util/size.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
const GIB = 1024 ** 3
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-mbr-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

function primary(name: string, size: string, type?: string): MbrPartitionSpec {
  return { name, size: parseSizeOrPercent(size), primary: true, boot: name === 'boot', type }
}
function logical(name: string, size: string): MbrPartitionSpec {
  return { name, size: parseSizeOrPercent(size), primary: false, boot: false }
}

async function writeAndRead(
  name: string,
  partitions: MbrPartitionSpec[],
): Promise<{ layout: MbrLayout; lines: string[] }> {
  const file = join(dir, `${name}.raw`)
  await writeFile(file, '')
  await truncate(file, GIB)
  const layout = layoutMbr({ diskBytes: GIB, sectorSize: 512, align: 1024 ** 2, partitions })
  await writeSectors(file, encodeMbr(layout, 0x1234abcd))
  const result = await runner.run(
    {
      argv: ['partx', '--raw', '--noheadings', '--output', 'NR,START,END,TYPE,FLAGS,SCHEME', file],
    },
    { quiet: true },
  )
  return { layout, lines: result.stdout.split('\n').filter((line) => line !== '') }
}

// What partx must print for a layout: every partition plus the extended container.
function expectedLines(layout: MbrLayout): string[] {
  const rows = layout.partitions.map((p) => ({
    nr: p.number,
    start: p.startSector,
    sectors: p.sectors,
    type: p.type,
    boot: p.boot,
  }))
  if (layout.extended)
    rows.push({
      nr: layout.extended.number,
      start: layout.extended.startSector,
      sectors: layout.extended.sectors,
      type: 0x0f,
      boot: false,
    })
  return rows
    .sort((a, b) => a.nr - b.nr)
    .map(
      (r) =>
        `${r.nr} ${r.start} ${r.start + r.sectors - 1} 0x${r.type.toString(16)} 0x${r.boot ? '80' : '0'} dos`,
    )
}

describe('MBR written by encodeMbr() as partx reads it', () => {
  it('has no partitions when none are asked for', async () => {
    const { lines } = await writeAndRead('empty', [])
    expect(lines).toEqual([])
  })

  it('has one bootable primary partition from 1 MiB to the end', async () => {
    const { lines } = await writeAndRead('one', [primary('boot', '100%')])
    expect(lines).toEqual(['1 2048 2097151 0x83 0x80 dos'])
  })

  it('has three primary partitions', async () => {
    const { layout, lines } = await writeAndRead('three', [
      primary('boot', '100MiB'),
      primary('b', '200MiB'),
      primary('c', '100%'),
    ])
    expect(lines).toEqual(expectedLines(layout))
    expect(lines).toHaveLength(3)
  })

  it('has one logical partition inside an extended one', async () => {
    const { layout, lines } = await writeAndRead('one-logical', [logical('l', '100%')])
    expect(lines).toEqual(expectedLines(layout))
    expect(lines[0]).toMatch(/^1 2048 2097151 0xf 0x0 dos$/)
    expect(lines[1]).toMatch(/^5 4096 2097151 0x83 0x0 dos$/)
  })

  it('has many logical partitions', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f']
    const { layout, lines } = await writeAndRead(
      'many-logical',
      names.map((n) => logical(n, '64MiB')),
    )
    expect(lines).toEqual(expectedLines(layout))
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['1', '5', '6', '7', '8', '9', '10'])
  })

  it('has three primary and seven logical partitions', async () => {
    const partitions = [
      primary('boot', '64MiB'),
      primary('p2', '64MiB'),
      primary('p3', '64MiB'),
      ...['l1', 'l2', 'l3', 'l4', 'l5', 'l6'].map((n) => logical(n, '32MiB')),
      logical('l7', '100%'),
    ]
    const { layout, lines } = await writeAndRead('mixed', partitions)
    expect(lines).toEqual(expectedLines(layout))
    expect(lines.map((line) => line.split(' ')[0])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
    ])
    expect(lines[10]).toMatch(/ 2097151 0x83 0x0 dos$/)
  })

  it('keeps a FAT32 LBA type byte', async () => {
    const { lines } = await writeAndRead('fat', [
      primary('esp', '100MiB', '0x0c'),
      primary('root', '100%'),
    ])
    expect(lines).toEqual(['1 2048 206847 0xc 0x0 dos', '2 206848 2097151 0x83 0x0 dos'])
  })
})
