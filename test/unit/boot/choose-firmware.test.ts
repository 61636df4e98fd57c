import { describe, expect, it } from 'vitest'
import { chooseFirmware } from '../../../src/boot/vm-setup.ts'
import { ConfigError } from '../../../src/errors.ts'

describe('chooseFirmware()', () => {
  it.each([
    ['auto', 512, 'disk.qcow2', 'bios'],
    ['auto', undefined, 'disk.qcow2', 'bios'],
    ['auto', 4096, 'disk.qcow2', 'uefi'],
    ['auto', 4096, undefined, 'bios'],
    ['uefi', 512, 'disk.qcow2', 'uefi'],
    ['uefi', 4096, 'disk.qcow2', 'uefi'],
    ['bios', 512, 'disk.qcow2', 'bios'],
    ['bios', 4096, undefined, 'bios'],
  ] as const)(
    '%s with %s-byte sectors (boot disk %s) boots with %s',
    (choice, sectors, disk, expected) => {
      expect(chooseFirmware(choice, sectors, disk)).toBe(expected)
    },
  )

  it('refuses BIOS for a disk whose sectors BIOS boot code cannot read', () => {
    const choose = () => chooseFirmware('bios', 4096, '/i/efi4k.qcow2')
    expect(choose).toThrow(ConfigError)
    expect(choose).toThrow(
      'Cannot boot "/i/efi4k.qcow2" with BIOS firmware: its disk has 4096-byte sectors, and BIOS boot code reads 512-byte sectors only',
    )
  })
})
