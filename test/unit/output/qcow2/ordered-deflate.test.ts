import { randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  deflateCluster,
  deflateInOrder,
  QCOW2_DEFLATE,
} from '../../../../src/output/qcow2/ordered-deflate.ts'

const CLUSTER = 65536

/** Text, random bytes and zeros in different proportions: clusters deflate shrinks or cannot. */
function makeCluster(i: number): Buffer {
  const text = Buffer.from(`cluster ${i} says hello `.repeat(200 + i * 37))
  return Buffer.concat([text, randomBytes((i * 4099) % CLUSTER), Buffer.alloc(CLUSTER)]).subarray(
    0,
    CLUSTER,
  )
}

const CLUSTERS = Array.from({ length: 20 }, (_, i) => makeCluster(i))
const cluster = (i: number): Buffer => CLUSTERS[i] as Buffer

async function* items(count: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i += 1) yield cluster(i)
}

describe('deflateCluster', () => {
  it('gives the raw deflate, 4 KiB window, that QEMU inflates', async () => {
    for (let i = 0; i < 12; i += 1) {
      const data = cluster(i)
      const deflated = await deflateCluster(data)
      expect(deflated.equals(deflateRawSync(data, QCOW2_DEFLATE))).toBe(true)
      expect(inflateRawSync(deflated, { windowBits: 12 }).equals(data)).toBe(true)
    }
  })
})

describe('deflateInOrder', () => {
  it('hands results back in input order whatever the window', async () => {
    const results: Buffer[][] = []
    for (const window of [1, 3, 8]) {
      const out: Buffer[] = []
      for await (const { item, deflated } of deflateInOrder(items(20), (b) => b, window)) {
        expect(inflateRawSync(deflated, { windowBits: 12 }).equals(item)).toBe(true)
        out.push(deflated)
      }
      results.push(out)
    }
    expect(results[0]).toHaveLength(20)
    // Buffer.equals: toEqual walks half a megabyte byte by byte, seconds on a loaded machine.
    const first = Buffer.concat(results[0] ?? [])
    for (const out of results.slice(1)) expect(Buffer.concat(out).equals(first)).toBe(true)
  })

  it('refuses a window below one', async () => {
    await expect(deflateInOrder(items(1), (b) => b, 0).next()).rejects.toThrow(/window 0/)
  })
})
