import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

describe('ramdisk-image-create', () => {
  it('says it is not available yet and exits 2', () => {
    let code = 0
    let stderr = ''
    try {
      execFileSync(process.execPath, [join(REPO, 'dist', 'cli', 'ramdisk-image-create.js'), '-o', 'x', 'ramdisk'], { encoding: 'utf8', stdio: 'pipe' })
    } catch (error) {
      const failure = error as { status: number; stderr: string }
      code = failure.status
      stderr = failure.stderr
    }
    expect(code).toBe(2)
    expect(stderr).toContain('ramdisk-image-create is not available yet in imagewright')
  })
})
