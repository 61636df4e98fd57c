import { describe, expect, it } from 'vitest'
import { bootTestOptions } from '../../../src/cli/commands/boot-test.ts'
import { isIso9660 } from '../../../src/boot/disk-format.ts'
import { UsageError } from '../../../src/errors.ts'

describe('boot-test options for kernels and ISOs', () => {
  it('boots a kernel with its initrd and command line, without a disk', () => {
    const o = bootTestOptions(undefined, {
      kernel: 'r.kernel',
      initrd: 'r.initramfs',
      append: 'console=ttyS0',
    })
    expect(o.image).toBeUndefined()
    expect(o.kernel).toEqual({ kernel: 'r.kernel', initrd: 'r.initramfs', append: 'console=ttyS0' })
  })

  it('attaches the disk too when a kernel boots it (baremetal)', () => {
    const o = bootTestOptions('bm.qcow2', { kernel: 'bm.vmlinuz', initrd: 'bm.initrd' })
    expect(o.image).toBe('bm.qcow2')
    expect(o.kernel?.kernel).toBe('bm.vmlinuz')
  })

  it('boots an ISO given as the image from a CD-ROM, and --cdrom with a disk', () => {
    const iso = bootTestOptions('r.iso', { uefi: true }, undefined, true)
    expect(iso.cdrom).toBe('r.iso')
    expect(iso.image).toBeUndefined()
    expect(iso.firmware).toBe('uefi')
    const withDisk = bootTestOptions('bm.qcow2', { cdrom: 'bm-boot.iso' })
    expect(withDisk).toMatchObject({ cdrom: 'bm-boot.iso', image: 'bm.qcow2' })
  })

  it('refuses --initrd or --append without --kernel, and nothing to boot', () => {
    expect(() => bootTestOptions('x.qcow2', { initrd: 'i' })).toThrow(
      'Option "--initrd" needs "--kernel"',
    )
    expect(() => bootTestOptions('x.qcow2', { append: 'quiet' })).toThrow(
      'Option "--append" needs "--kernel"',
    )
    expect(() => bootTestOptions(undefined, {})).toThrow(UsageError)
    expect(() => bootTestOptions('a.iso', { cdrom: 'b.iso' }, undefined, true)).toThrow(
      'Give one ISO',
    )
  })
})

describe('boot-test options for further disks and an open shell', () => {
  it('attaches each --attach-disk behind its controller', () => {
    const o = bootTestOptions('x.qcow2', { attachDisk: ['nvme:/d/a.raw', 'ahci:/d/b.qcow2'] })
    expect(o.extraDisks).toEqual([
      { controller: 'nvme', path: '/d/a.raw', format: 'raw' },
      { controller: 'ahci', path: '/d/b.qcow2', format: 'qcow2' },
    ])
    expect(bootTestOptions('x.qcow2', {}).extraDisks).toBeUndefined()
  })

  it('refuses an unknown controller or a missing file, naming the option and the value', () => {
    expect(() => bootTestOptions('x.qcow2', { attachDisk: ['floppy:/d/a.raw'] })).toThrow(
      /Option "--attach-disk" needs KIND:FILE with KIND one of virtio-blk, .*: got "floppy:\/d\/a.raw"/,
    )
    expect(() => bootTestOptions('x.qcow2', { attachDisk: ['nvme:'] })).toThrow(UsageError)
    expect(() => bootTestOptions('x.qcow2', { attachDisk: ['/d/a.raw'] })).toThrow(UsageError)
  })

  it('runs --command at a --marker prompt without logging in, and refuses it with neither', () => {
    const o = bootTestOptions('x.qcow2', { marker: '^\\(initramfs\\) ', command: ['blkid'] })
    expect(o.commands).toEqual(['blkid'])
    expect(o.login).toBeUndefined()
    expect(() => bootTestOptions('x.qcow2', { command: ['blkid'] })).toThrow(
      'Option "--command" needs "--user" to log in first, or "--marker" for a shell already open',
    )
  })
})

describe('isIso9660', () => {
  it('finds "CD001" in the first volume descriptor', () => {
    const head = new Uint8Array(0x8006)
    expect(isIso9660(head)).toBe(false)
    head.set(Buffer.from('CD001', 'latin1'), 0x8001)
    expect(isIso9660(head)).toBe(true)
    expect(isIso9660(new Uint8Array(100))).toBe(false)
  })
})
