import { describe, expect, it } from 'vitest'
import { namespacedArgv } from '../../../src/exec/mount-namespace.ts'

describe('namespacedArgv', () => {
  it('ties the copy to its parent, then runs it unshared with private propagation', () => {
    expect(namespacedArgv(['/usr/bin/node', '/x/disk-image-create.js', '-o', 'img', 'vm'])).toEqual(
      [
        'setpriv',
        '--pdeathsig',
        'KILL',
        '--',
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        '/usr/bin/node',
        '/x/disk-image-create.js',
        '-o',
        'img',
        'vm',
      ],
    )
  })
})
