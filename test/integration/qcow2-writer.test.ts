// imagewright's own qcow2 writer against qemu-img as the oracle: sparse raw images with zero
// runs, incompressible and compressible data, an odd size and more than one L2 table.
import { randomBytes } from 'node:crypto'
import { open, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeCompressedQcow2 } from '../../src/output/qcow2/write-qcow2.ts'
import { writeDiskOutputs } from '../../src/output/write-outputs.ts'
import { baseRequest, depsWith, MIB, qemuInfo, run, runner, useTempDir } from './output-fixture.ts'

const KIB = 1024

/** A sparse raw of `size` bytes with `pieces` written at their offsets. */
async function sparseRaw(dir: string, size: number, pieces: [number, Buffer][]): Promise<string> {
  const path = join(dir, 'disk.raw')
  await writeFile(path, '')
  await truncate(path, size)
  const file = await open(path, 'r+')
  for (const [offset, bytes] of pieces) await file.write(bytes, 0, bytes.length, offset)
  await file.close()
  return path
}

function text(bytes: number): Buffer {
  return Buffer.from('all work and no play makes jack a dull boy\n'.repeat(bytes / 40)).subarray(
    0,
    bytes,
  )
}

/** About as compressible as a filesystem of binaries: base64 of random bytes. */
function halfCompressible(bytes: number): Buffer {
  return Buffer.from(randomBytes(bytes).toString('base64')).subarray(0, bytes)
}

/** Writes RAW twice at different concurrency and checks both against qemu-img. */
async function checkAgainstQemu(
  dir: string,
  raw: string,
): Promise<{ ours: number; theirs: number }> {
  const serial = join(dir, 'serial.qcow2')
  const parallel = join(dir, 'parallel.qcow2')
  await writeCompressedQcow2({ source: raw, target: serial, window: 1 })
  await writeCompressedQcow2({ source: raw, target: parallel, window: 16 })
  // equal bytes whatever the concurrency
  await run('cmp', serial, parallel)
  const check = await runner.run({ argv: ['qemu-img', 'check', parallel] }, { quiet: true })
  expect(check.stdout).toContain('No errors were found on the image.')
  expect(check.stdout).not.toMatch(/leak/i)
  // exit code 0 means identical content
  await run('qemu-img', 'compare', '-f', 'raw', '-F', 'qcow2', raw, parallel)
  const info = await qemuInfo(parallel, 'qcow2')
  expect(info['format']).toBe('qcow2')
  expect(info['virtual-size']).toBe((await stat(raw)).size)
  expect(info['cluster-size']).toBe(64 * KIB)
  expect(info['format-specific']).toMatchObject({
    type: 'qcow2',
    data: { compat: '1.1', 'compression-type': 'zlib', 'refcount-bits': 16 },
  })
  const reference = join(dir, 'qemu.qcow2')
  await run('qemu-img', 'convert', '-c', '-f', 'raw', '-O', 'qcow2', raw, reference)
  const sizes = { ours: (await stat(parallel)).size, theirs: (await stat(reference)).size }
  // within a few % of qemu-img's, or two clusters of metadata for a nearly empty disk
  expect(Math.abs(sizes.ours - sizes.theirs)).toBeLessThanOrEqual(
    Math.max(0.05 * sizes.theirs, 2 * 64 * KIB),
  )
  return sizes
}

describe('writeCompressedQcow2', () => {
  it('writes zero runs, incompressible and compressible data of an odd size as qemu-img reads them', async () => {
    const dir = await useTempDir('iw-qcow2-')
    const size = 24 * MIB + 3 * 512 // neither whole MiB nor whole clusters
    const raw = await sparseRaw(dir, size, [
      [0, text(200 * KIB)],
      [3 * MIB + 777, randomBytes(700 * KIB)], // stored as they are, unaligned in the raw
      [4 * MIB, halfCompressible(2 * MIB)], // packed back to back across host clusters
      [7 * MIB + 5, text(64 * KIB)], // compressed, then random, then compressed again
      [7 * MIB + 200 * KIB, randomBytes(64 * KIB)],
      [7 * MIB + 300 * KIB, halfCompressible(500 * KIB)],
      [size - 1000, text(1000)], // the last, partial cluster
    ])
    await checkAgainstQemu(dir, raw)
    const check = JSON.parse(
      await run('qemu-img', 'check', '--output=json', join(dir, 'serial.qcow2')),
    )
    expect(check['compressed-clusters']).toBeGreaterThan(40)
    // the 9 clusters wholly random are stored as they are: allocated but not compressed
    expect(check['allocated-clusters'] - check['compressed-clusters']).toBe(9)
  })

  it('maps a sparse disk over 1 GiB through several L2 tables', async () => {
    const dir = await useTempDir('iw-qcow2-')
    const size = 1088 * MIB
    const raw = await sparseRaw(dir, size, [
      [0, text(300 * KIB)],
      [600 * MIB, halfCompressible(300 * KIB)],
      [1024 * MIB - 100, randomBytes(200 * KIB)], // across the second and third L2 tables
      [size - 64 * KIB, text(64 * KIB)],
    ])
    await checkAgainstQemu(dir, raw)
  })

  it('writes an all-zero disk as an empty image', async () => {
    const dir = await useTempDir('iw-qcow2-')
    const raw = await sparseRaw(dir, 8 * MIB, [])
    await checkAgainstQemu(dir, raw)
  })
})

describe('the qcow2 writer of writeDiskOutputs', () => {
  it('is imagewright for the default, qemu-img for zstd and for qemu-img options, and says so', async () => {
    const dir = await useTempDir('iw-qcow2-')
    const raw = await sparseRaw(dir, 16 * MIB, [[MIB, text(MIB)]])
    const infos = async (name: string, extra: object): Promise<string[]> => {
      const { deps, reporter } = depsWith()
      const request = baseRequest({ imageName: join(dir, name), rawImagePath: raw, ...extra })
      await writeDiskOutputs(request, deps)
      await run('qemu-img', 'compare', '-f', 'raw', '-F', 'qcow2', raw, join(dir, `${name}.qcow2`))
      return reporter.events.flatMap(({ event }) => {
        return event.kind === 'info' ? [event.message] : []
      })
    }
    const own = await infos('own', {})
    expect(own.join('\n')).toMatch(
      /^qcow2 written by imagewright's qcow2 writer .*clusters compressed/m,
    )
    expect(own.join('\n')).not.toMatch(/qemu-img/)
    const zstd = await infos('zstd', { qcowCompression: 'zstd' })
    expect(zstd).toContain('qcow2 written by qemu-img: the compression type is zstd')
    expect(await qemuInfo(join(dir, 'zstd.qcow2'), 'qcow2')).toMatchObject({
      'format-specific': { data: { 'compression-type': 'zstd' } },
    })
    const options = await infos('opts', { qemuImgOptions: 'lazy_refcounts=on' })
    expect(options).toContain('qcow2 written by qemu-img: qemu-img options were given')
    const info = await qemuInfo(join(dir, 'opts.qcow2'), 'qcow2')
    expect(info['format-specific']).toMatchObject({ data: { 'lazy-refcounts': true } })
  })
})
