// The sgdisk argv we build, run for real on sparse files and read back with partx.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSource } from '../../src/blockdevice/config/config-source.ts'
import { layoutDisks } from '../../src/blockdevice/layout/disk-layout.ts'
import { buildSgdiskArgv } from '../../src/blockdevice/layout/gpt-argv.ts'
import { planBlockDevice } from '../../src/blockdevice/config/plan.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
const GIB = 1024 ** 3
const FIXTURES = new URL('../fixtures/block-device/', import.meta.url)
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-gpt-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function partitionFixture(
  name: string,
  seed?: string,
): Promise<{ file: string; argv: string[] }> {
  const file = join(dir, `${name}-${seed ?? 'random'}.raw`)
  await writeFile(file, '')
  await truncate(file, GIB)
  const plan = planBlockDevice(
    new ConfigSource(name, readFileSync(new URL(name, FIXTURES), 'utf8')),
    { rootFsType: 'ext4' },
  )
  const layout = layoutDisks(plan, {
    rootFsType: 'ext4',
    imageDir: dir,
    imageSizeBytes: GIB,
    mountBase: dir,
    uuidSeed: seed,
  })
  const [table] = layout.tables.values()
  if (table?.label !== 'gpt') throw new Error('expected a GPT table')
  const argv = buildSgdiskArgv({
    device: file,
    partitions: table.partitions,
    diskGuid: table.diskGuid,
  })
  await runner.run({ argv }, { quiet: true })
  return { file, argv }
}

async function partx(file: string, columns: string): Promise<string[]> {
  const result = await runner.run(
    { argv: ['partx', '--raw', '--noheadings', '--output', columns, file] },
    { quiet: true },
  )
  return result.stdout.split('\n').filter((line) => line !== '')
}

describe('GPT written by sgdisk from buildSgdiskArgv()', () => {
  it('lays out gpt_efi.yaml on 1 GiB as ESP, BSP and "Root Part"', async () => {
    const { file } = await partitionFixture('gpt_efi.yaml')
    expect(await partx(file, 'NR,START,END,TYPE,NAME,SCHEME')).toEqual([
      '1 2048 18431 c12a7328-f81f-11d2-ba4b-00a0c93ec93b ESP gpt',
      '2 18432 34815 21686148-6449-6e6f-744e-656564454649 BSP gpt',
      '3 34816 2095103 0fc63daf-8483-4772-8e79-3d69d8477de4 Root\\x20Part gpt',
    ])
    const printed = await runner.run({ argv: ['sgdisk', '-p', file] }, { quiet: true })
    expect(printed.stdout).toMatch(/3\s+34816\s+2095103\s+1006\.0 MiB\s+8300\s+Root Part/)
  })

  it('writes the disk and partition GUIDs derived from a seed', async () => {
    const { file, argv } = await partitionFixture('gpt_efi.yaml', 'seed-1')
    const diskGuid = argv[argv.indexOf('-U') + 1]
    const printed = await runner.run({ argv: ['sgdisk', '-p', file] }, { quiet: true })
    expect(printed.stdout).toContain(`Disk identifier (GUID): ${diskGuid?.toUpperCase()}`)
    const guids = (await partx(file, 'UUID')).map((line) => line.toLowerCase())
    const wanted = argv
      .filter((word) => /^\d:[0-9a-f-]{36}$/.test(word))
      .map((word) => word.slice(2))
    expect(wanted).toHaveLength(3)
    expect(guids).toEqual(wanted)
    const again = await partitionFixture('gpt_efi.yaml', 'seed-1')
    expect(await partx(again.file, 'UUID')).toEqual(await partx(file, 'UUID'))
  })
})
