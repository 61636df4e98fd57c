import { describe, expect, it } from 'vitest'
import {
  declareDibVariables,
  hostPython,
  lockfilesDir,
} from '../../../src/pipeline/exported-env.ts'

describe('declareDibVariables()', () => {
  it('lists DIB_* variables sorted, quoted for bash', () => {
    expect(
      declareDibVariables({ PATH: '/bin', DIB_B: 'say "hi" $HOME `x` \\', DIB_A: 'plain' }),
    ).toBe('declare -x DIB_A="plain"\ndeclare -x DIB_B="say \\"hi\\" \\$HOME \\`x\\` \\\\"')
  })
})

describe('lockfilesDir()', () => {
  it('defaults under HOME and honours DIB_LOCKFILES', () => {
    expect(lockfilesDir({ env: { HOME: '/home/u' } })).toBe('/home/u/.cache/dib/lockfiles')
    expect(lockfilesDir({ env: { DIB_LOCKFILES: '/locks' } })).toBe('/locks')
  })
})

describe('hostPython()', () => {
  it('prefers the system python, whose modules come from distribution packages', () => {
    expect(hostPython(() => true)).toBe('/usr/bin/python3')
    expect(hostPython((path) => path === '/usr/local/bin/python3')).toBe('/usr/local/bin/python3')
    expect(hostPython(() => false)).toBe('python3')
  })
})
