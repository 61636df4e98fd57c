import { mkdtemp, open, readdir, realpath, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostRequirementError, OutputError } from '../../src/errors.ts'
import { requireHostTools } from '../../src/output/failures.ts'
import { OUTPUT_FORMATS } from '../../src/output/formats.ts'
import { writeDiskOutputs } from '../../src/output/write-outputs.ts'
import {
  artifactEvents,
  baseRequest,
  depsWith,
  makeRawImage,
  makeRootTree,
  MIB,
  qemuInfo,
  RAW_BYTES,
  run,
  useTempDir,
} from './output-fixture.ts'

let raw = ''
let suiteDir = ''

beforeAll(async () => {
  suiteDir = await realpath(await mkdtemp(join(tmpdir(), 'iw-output-raw-')))
  raw = await makeRawImage(suiteDir, await makeRootTree(suiteDir))
})

afterAll(async () => {
  if (suiteDir) await rm(suiteDir, { recursive: true, force: true })
})

async function compressedClusters(path: string): Promise<number> {
  const check = JSON.parse(await run('qemu-img', 'check', '--output=json', path)) as Record<
    string,
    number
  >
  return check['compressed-clusters'] ?? 0
}

async function sameContent(path: string, format: string): Promise<void> {
  // exit code 0 means identical; a bigger target must be zero beyond the source
  await run('qemu-img', 'compare', '-f', 'raw', '-F', format, raw, path)
}

describe('writeDiskOutputs', () => {
  it('writes every qemu-img type and raw, each complete and announced', async () => {
    const out = await useTempDir()
    const types = ['qcow2', 'vhd', 'vhdx', 'vmdk', 'vdi', 'qed', 'qcow', 'raw']
    const { deps, reporter } = depsWith()
    const artifacts = await writeDiskOutputs(
      baseRequest({ imageName: join(out, 'deb'), types, rawImagePath: raw }),
      deps,
    )
    expect(artifacts.map((a) => a.format)).toEqual(types)
    for (const type of types) {
      const format = OUTPUT_FORMATS.get(type)
      const path = join(out, `deb.${type}`)
      const qemuFormat = format?.qemu?.format ?? 'raw'
      const info = await qemuInfo(path, qemuFormat)
      expect(info['format'], type).toBe(qemuFormat)
      const expectedSize = type === 'vhd' ? 65 * MIB : RAW_BYTES
      expect(info['virtual-size'], type).toBe(expectedSize)
      await sameContent(path, qemuFormat)
    }
    const events = artifactEvents(reporter)
    expect(events.map((e) => [e.format, e.path])).toEqual(
      types.map((type) => [type, join(out, `deb.${type}`)]),
    )
    for (const event of events) expect(event.bytes).toBe((await stat(event.path)).size)
    // nothing temporary left behind, and the source is still there (copied, not moved)
    expect((await readdir(out)).sort()).toEqual(types.map((t) => `deb.${t}`).sort())
    expect((await stat(raw)).size).toBe(RAW_BYTES)
  })

  it('writes vhd as a fixed VHD of whole MiB, kept sparse', async () => {
    const out = await useTempDir()
    const request = baseRequest({ imageName: join(out, 'az'), types: ['vhd'], rawImagePath: raw })
    await writeDiskOutputs(request, depsWith().deps)
    const path = join(out, 'az.vhd')
    const info = await qemuInfo(path, 'vpc')
    expect(info['virtual-size']).toBe(65 * MIB)
    const { size, blocks } = await stat(path)
    // fixed VHD: the data then a 512-byte footer that starts with the "conectix" cookie
    expect(size).toBe(65 * MIB + 512)
    const handle = await open(path, 'r')
    const footer = Buffer.alloc(512)
    await handle.read(footer, 0, 512, size - 512)
    await handle.close()
    expect(footer.subarray(0, 8).toString()).toBe('conectix')
    // disk type 2 = fixed, big-endian at offset 60
    expect(footer.readUInt32BE(60)).toBe(2)
    expect(blocks * 512).toBeLessThan(size / 2)
  })

  it('compresses qcow2 even when other types are listed before it', async () => {
    const out = await useTempDir()
    const request = baseRequest({
      imageName: join(out, 'c'),
      types: ['vhd', 'qcow2'],
      rawImagePath: raw,
    })
    await writeDiskOutputs(request, depsWith().deps)
    expect(await compressedClusters(join(out, 'c.qcow2'))).toBeGreaterThan(0)
  })

  it('compresses qcow2 with zstd when asked, and gives equal files for equal input with SOURCE_DATE_EPOCH', async () => {
    const out = await useTempDir()
    const paths: string[] = []
    for (const name of ['z1', 'z2']) {
      const request = baseRequest({
        imageName: join(out, name),
        types: ['qcow2'],
        rawImagePath: raw,
        qcowCompression: 'zstd',
        sourceDateEpoch: 1700000000,
      })
      await writeDiskOutputs(request, depsWith().deps)
      paths.push(join(out, `${name}.qcow2`))
    }
    const [first = '', second = ''] = paths
    const info = await qemuInfo(first, 'qcow2')
    expect(info['format-specific']).toMatchObject({ data: { 'compression-type': 'zstd' } })
    expect(await compressedClusters(first)).toBeGreaterThan(0)
    await sameContent(first, 'qcow2')
    // in-order writes (no -W): the compressed clusters land in the same places
    expect(await run('cmp', first, second)).toBe('')
  })

  it('leaves qcow2 uncompressed with -u and passes --qemu-img-options', async () => {
    const out = await useTempDir()
    const request = baseRequest({
      imageName: join(out, 'u'),
      types: ['qcow2'],
      rawImagePath: raw,
      uncompressed: true,
      qemuImgOptions: 'compat=0.10',
    })
    await writeDiskOutputs(request, depsWith().deps)
    const path = join(out, 'u.qcow2')
    expect(await compressedClusters(path)).toBe(0)
    const info = await qemuInfo(path, 'qcow2')
    expect(info['format-specific']).toMatchObject({ data: { compat: '0.10' } })
  })

  it('keeps the raw copy sparse and moves it when the caller is done with the source', async () => {
    const dir = await useTempDir()
    const source = await makeRawImage(dir, await makeRootTree(dir))
    const copied = baseRequest({
      imageName: join(dir, 'copy'),
      types: ['raw'],
      rawImagePath: source,
    })
    await writeDiskOutputs(copied, depsWith().deps)
    const copy = await stat(join(dir, 'copy.raw'))
    expect(copy.size).toBe(RAW_BYTES)
    expect(copy.blocks * 512).toBeLessThan(RAW_BYTES / 2)
    await run('cmp', source, join(dir, 'copy.raw'))

    const moved = { ...copied, imageName: join(dir, 'moved'), consumeRawImage: true }
    await writeDiskOutputs(moved, depsWith().deps)
    await expect(stat(source)).rejects.toThrow(/ENOENT/)
    await run('cmp', join(dir, 'copy.raw'), join(dir, 'moved.raw'))
  })

  it('commits nothing when one conversion fails, and says which and why', async () => {
    const out = await useTempDir()
    const request = baseRequest({
      imageName: join(out, 'bad'),
      types: ['raw', 'qcow2'],
      rawImagePath: raw,
      qemuImgOptions: 'no_such_option=1',
    })
    const error = await writeDiskOutputs(request, depsWith().deps).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OutputError)
    const message = (error as OutputError).message
    expect(message).toMatch(
      /^Cannot write "qcow2" output ".*\/bad\.qcow2": qemu-img failed with exit code 1: /,
    )
    expect(message).toMatch(/no_such_option/)
    expect((error as OutputError).cause).toBeDefined()
    expect(await readdir(out)).toEqual([])
  })

  it('fails clearly on a missing raw image', async () => {
    const out = await useTempDir()
    const request = baseRequest({ imageName: join(out, 'x'), rawImagePath: join(out, 'nope.raw') })
    await expect(writeDiskOutputs(request, depsWith().deps)).rejects.toThrow(
      /^Cannot write the "qcow2" outputs: raw image ".*nope\.raw" is not a file$/,
    )
  })
})

describe('requireHostTools', () => {
  it('names every missing tool and its Debian package', async () => {
    const empty = await useTempDir()
    const tools = [
      ...(OUTPUT_FORMATS.get('qcow2')?.tools ?? []),
      ...(OUTPUT_FORMATS.get('squashfs')?.tools ?? []),
    ]
    const error = await requireHostTools(tools, empty).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HostRequirementError)
    expect((error as HostRequirementError).message).toBe(
      'Cannot write the requested image types: "qemu-img", "mksquashfs" not installed',
    )
    expect((error as HostRequirementError).hint).toBe(
      'install the Debian packages "qemu-utils", "squashfs-tools" (apt-get install qemu-utils squashfs-tools)',
    )
    await expect(requireHostTools(tools, '/usr/bin:/bin')).resolves.toBeUndefined()
  })
})
