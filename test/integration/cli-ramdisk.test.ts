import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

describe('ramdisk-image-create', () => {
  it("answers --help with disk-image-create's options under its own name", () => {
    const help = execFileSync(
      process.execPath,
      [join(REPO, 'dist', 'cli', 'ramdisk-image-create.js'), '--help'],
      { encoding: 'utf8' },
    )
    expect(help).toMatch(/^Usage: ramdisk-image-create \[OPTION\]/)
    expect(help).toContain('--ramdisk-element E')
  })
})
