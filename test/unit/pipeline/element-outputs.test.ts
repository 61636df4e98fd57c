import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { elementOutputPaths, watchElementOutputs } from '../../../src/pipeline/element-outputs.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iw-element-outputs-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('element outputs beside the image', () => {
  it("are DIB's ramdisk, baremetal and iso names", () => {
    expect(elementOutputPaths('out/img')).toEqual([
      'out/img.initramfs',
      'out/img.kernel',
      'out/img.vmlinuz',
      'out/img.initrd',
      'out/img.iso',
      'out/img-boot.iso',
    ])
  })

  it('counts only files written after the watch began, and keeps them when told to', async () => {
    const name = join(dir, 'img')
    writeFileSync(`${name}.kernel`, 'old kernel, not ours')
    {
      await using outputs = await watchElementOutputs(name)
      writeFileSync(`${name}.initramfs`, 'new')
      writeFileSync(join(dir, 'img.qcow2'), 'not watched')
      expect(await outputs.written()).toEqual([`${name}.initramfs`])
      outputs.keep()
    }
    expect(readdirSync(dir).sort()).toEqual(['img.initramfs', 'img.kernel', 'img.qcow2'])
  })

  it('removes what was written when the build fails, and leaves older files alone', async () => {
    const name = join(dir, 'img')
    writeFileSync(`${name}.iso`, 'an older ISO')
    try {
      await using _outputs = await watchElementOutputs(name)
      writeFileSync(`${name}.vmlinuz`, 'k')
      writeFileSync(`${name}.initrd`, 'i')
      throw new Error('a later step failed')
    } catch {
      // The build's error goes on up; the files are gone.
    }
    expect(readdirSync(dir)).toEqual(['img.iso'])
  })
})
