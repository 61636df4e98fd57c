import { describe, expect, it } from 'vitest'
import { chooseQcow2Writer } from '../../../../src/output/qcow2/choose-writer.ts'
import { parseWriterLine } from '../../../../src/output/produce.ts'

const DEFAULT = {
  qemuFormat: 'qcow2',
  compressible: true,
  uncompressed: false,
  sourceBytes: 64 * 1024 * 1024,
}

describe('chooseQcow2Writer', () => {
  it('writes the default compressed zlib qcow2 itself', () => {
    expect(chooseQcow2Writer(DEFAULT)).toEqual({ writer: 'imagewright' })
    expect(chooseQcow2Writer({ ...DEFAULT, compressionType: 'zlib', qemuImgOptions: ' ' })).toEqual(
      { writer: 'imagewright' },
    )
    expect(chooseQcow2Writer({ ...DEFAULT, sourceBytes: 512 * 3 }).writer).toBe('imagewright')
  })

  it('leaves every other case to qemu-img, saying why', () => {
    const why = (change: object) => {
      const choice = chooseQcow2Writer({ ...DEFAULT, ...change })
      return choice.writer === 'qemu-img' ? choice.why : 'imagewright'
    }
    expect(why({ qemuFormat: 'vpc', compressible: false })).toBe('the format is vpc')
    expect(why({ uncompressed: true })).toBe('the image is not compressed')
    expect(why({ compressionType: 'zstd' })).toBe('the compression type is zstd')
    expect(why({ qemuImgOptions: 'compat=0.10' })).toBe('qemu-img options were given')
    expect(why({ sourceBytes: 1000 })).toMatch(/512-byte sectors/)
    expect(why({ sourceBytes: 0 })).toMatch(/512-byte sectors/)
  })
})

describe("the writer process's lines", () => {
  it('reads its percentages and its statistics, and nothing else', () => {
    expect(parseWriterLine('progress 42')).toEqual({ percent: 42 })
    const stats = { virtualSize: 1, compressedClusters: 2, storedClusters: 3, fileBytes: 4 }
    expect(parseWriterLine(`stats ${JSON.stringify(stats)}`)).toEqual({ stats })
    expect(parseWriterLine('progress of nothing')).toBeUndefined()
    expect(parseWriterLine('warning: something')).toBeUndefined()
  })
})
