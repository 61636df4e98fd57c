import { describe, expect, it } from 'vitest'
import { backsFile, parseLoopList } from '../../../src/host/loops.ts'

describe('backsFile', () => {
  const ws = ['/tmp/dib_build.Ab12', '/tmp/dib_image.Cd34']
  it('matches the journaled path as shown while the workspace is mounted', () => {
    expect(backsFile('/tmp/dib_image.Cd34/image.raw', '/tmp/dib_image.Cd34/image.raw', ws)).toBe(
      true,
    )
  })
  it('matches the path from the workspace root, as shown once the build namespace died', () => {
    expect(backsFile('/image.raw', '/tmp/dib_image.Cd34/image.raw', ws)).toBe(true)
  })
  it('refuses another file, and a workspace-relative name outside the journaled workspaces', () => {
    expect(backsFile('/other.raw', '/tmp/dib_image.Cd34/image.raw', ws)).toBe(false)
    expect(backsFile('/image.raw', '/srv/image.raw', ws)).toBe(false)
    expect(backsFile('/image.raw', '/tmp/dib_image.Cd34/image.raw', [])).toBe(false)
  })
})

describe('parseLoopList', () => {
  it('reads a workspace-relative backing file', () => {
    expect(parseLoopList('/dev/loop7 /image.raw\n')).toEqual([
      { device: '/dev/loop7', file: '/image.raw' },
    ])
  })
})
