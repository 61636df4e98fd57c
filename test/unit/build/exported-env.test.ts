import { describe, expect, it } from 'vitest'
import { declareDibVariables, lockfilesDir } from '../../../src/build/exported-env.ts'

describe('declareDibVariables()', () => {
  it('lists DIB_* variables sorted, quoted for bash', () => {
    expect(declareDibVariables({ PATH: '/bin', DIB_B: 'say "hi" $HOME `x` \\', DIB_A: 'plain' }))
      .toBe('declare -x DIB_A="plain"\ndeclare -x DIB_B="say \\"hi\\" \\$HOME \\`x\\` \\\\"')
  })
})

describe('lockfilesDir()', () => {
  it('defaults under HOME and honours DIB_LOCKFILES', () => {
    expect(lockfilesDir({ env: { HOME: '/home/u' } })).toBe('/home/u/.cache/dib/lockfiles')
    expect(lockfilesDir({ env: { DIB_LOCKFILES: '/locks' } })).toBe('/locks')
  })
})
