import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256OfFile } from '../../../src/util/file-digest.ts'

describe('sha256OfFile()', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'digest-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it.each([0, 1, 1024 * 1024, 1024 * 1024 + 7, 3 * 1024 * 1024])(
    'equals the SHA-256 of the whole content for %i bytes (chunk edges included)',
    async (size) => {
      const content = Buffer.alloc(size, 0)
      for (let i = 0; i < size; i++) content[i] = (i * 31 + 7) % 251
      const path = join(dir, `f${size}`)
      await writeFile(path, content)
      expect(await sha256OfFile(path)).toBe(createHash('sha256').update(content).digest('hex'))
    },
  )

  it('fails on a missing file', async () => {
    await expect(sha256OfFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/)
  })
})
