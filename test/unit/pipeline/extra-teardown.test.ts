import { describe, expect, it } from 'vitest'
import { extraTeardownCommands } from '../../../src/pipeline/extra-teardown.ts'

describe('extraTeardownCommands()', () => {
  it('runs EXTRA_DETACH before EXTRA_UNMOUNT, as DIB unmount_image does', () => {
    expect(
      extraTeardownCommands({ EXTRA_UNMOUNT: 'umount /x', EXTRA_DETACH: 'qemu-nbd -d /dev/nbd0' }),
    ).toEqual(['qemu-nbd -d /dev/nbd0', 'umount /x'])
  })

  it('skips unset and blank ones', () => {
    expect(extraTeardownCommands({ EXTRA_DETACH: '  ', PATH: '/bin' })).toEqual([])
  })
})
