import { describe, expect, it } from 'vitest'
import { worthStoring } from '../../../src/cache/cache-policy.ts'

describe('worthStoring', () => {
  const min = 8000
  it('always stores the root, however quick root.d was', () => {
    expect(worthStoring('root', 10, false, min)).toBe(true)
  })

  it('stores a later step only when the phases since the last stored one took long enough', () => {
    expect(worthStoring('install', 28_000, false, min)).toBe(true)
    expect(worthStoring('post-install', 2_000, false, min)).toBe(false)
    // A post-install.d edit whose initramfs was reused: packing the tree costs more than
    // running those phases again from the tree after install.d.
    expect(worthStoring('tree', 2_100, false, min)).toBe(false)
    expect(worthStoring('tree', 9_000, false, min)).toBe(true)
  })

  it('stores the finished tree whenever it is a link to the step before', () => {
    expect(worthStoring('tree', 100, true, min)).toBe(true)
    expect(worthStoring('post-install', 100, true, min)).toBe(false)
  })
})
