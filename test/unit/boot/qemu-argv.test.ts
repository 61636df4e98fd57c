import { describe, expect, it } from 'vitest'
import { buildQemuArgv, escapeQemuValue, type QemuPlan } from '../../../src/boot/qemu-argv.ts'

const base: QemuPlan = {
  accel: 'tcg',
  memoryMiB: 1024,
  cpus: 2,
  serialSocket: '/tmp/t/serial.sock',
  qmpSocket: '/tmp/t/qmp.sock',
  network: true,
}

/** The value following each occurrence of a flag. */
function values(argv: readonly string[], flag: string): string[] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] ?? '<missing>'] : []))
}

describe('buildQemuArgv', () => {
  it('builds a headless TCG machine with console, QMP, network and defaults', () => {
    const argv = buildQemuArgv(base)
    expect(argv[0]).toBe('qemu-system-x86_64')
    expect(values(argv, '-accel')).toEqual(['tcg'])
    expect(values(argv, '-cpu')).toEqual(['max'])
    expect(values(argv, '-m')).toEqual(['1024'])
    expect(values(argv, '-smp')).toEqual(['2'])
    expect(values(argv, '-display')).toEqual(['none'])
    expect(argv).toContain('-nodefaults')
    expect(argv).toContain('-no-reboot')
    expect(argv).not.toContain('-nographic')
    expect(values(argv, '-chardev')).toEqual([
      'socket,id=serial0,path=/tmp/t/serial.sock,server=on,wait=on',
      'socket,id=qmp0,path=/tmp/t/qmp.sock,server=on,wait=off',
    ])
    expect(values(argv, '-serial')).toEqual(['chardev:serial0'])
    expect(values(argv, '-mon')).toEqual(['chardev=qmp0,mode=control'])
    expect(values(argv, '-nic')).toEqual(['user,model=virtio-net-pci'])
    expect(values(argv, '-drive')).toEqual([])
    expect(argv).not.toContain('-kernel')
  })

  it.each([
    ['tcg', 'max'],
    ['kvm', 'host'],
  ] as const)('uses accel %s with cpu model %s', (accel, cpu) => {
    const argv = buildQemuArgv({ ...base, accel })
    expect(values(argv, '-accel')).toEqual([accel])
    expect(values(argv, '-cpu')).toEqual([cpu])
  })

  it.each([
    ['/img/a.qcow2', 'qcow2', true, 'file=/img/a.qcow2,if=none,id=disk0,format=qcow2,snapshot=on'],
    ['/img/a.raw', 'raw', true, 'file=/img/a.raw,if=none,id=disk0,format=raw,snapshot=on'],
    ['/img/a.vhd', 'vpc', true, 'file=/img/a.vhd,if=none,id=disk0,format=vpc,snapshot=on'],
    ['/img/a.vmdk', 'vmdk', false, 'file=/img/a.vmdk,if=none,id=disk0,format=vmdk'],
    ['/img/a,b.vhdx', 'vhdx', true, 'file=/img/a,,b.vhdx,if=none,id=disk0,format=vhdx,snapshot=on'],
  ] as const)(
    'attaches %s (%s, snapshot %s) as a virtio disk',
    (path, format, snapshot, expected) => {
      const argv = buildQemuArgv({ ...base, drive: { path, format, snapshot } })
      expect(values(argv, '-drive')).toEqual([expected])
      expect(values(argv, '-device')).toContain('virtio-blk-pci,drive=disk0')
    },
  )

  it('shows a 4Kn disk with 4096-byte logical and physical sectors', () => {
    const argv = buildQemuArgv({
      ...base,
      drive: { path: '/img/a.raw', format: 'raw', snapshot: true, sectorSize: 4096 },
    })
    expect(values(argv, '-device')).toContain(
      'virtio-blk-pci,drive=disk0,logical_block_size=4096,physical_block_size=4096',
    )
    const explicit512 = buildQemuArgv({
      ...base,
      drive: { path: '/img/a.raw', format: 'raw', snapshot: true, sectorSize: 512 },
    })
    expect(values(explicit512, '-device')).toContain('virtio-blk-pci,drive=disk0')
  })

  it('adds OVMF as read-only code plus writable vars before the disk', () => {
    const argv = buildQemuArgv({
      ...base,
      uefi: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/tmp/t/OVMF_VARS.fd' },
      drive: { path: '/img/a.qcow2', format: 'qcow2', snapshot: true },
    })
    expect(values(argv, '-drive')).toEqual([
      'if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
      'if=pflash,unit=1,format=raw,file=/tmp/t/OVMF_VARS.fd',
      'file=/img/a.qcow2,if=none,id=disk0,format=qcow2,snapshot=on',
    ])
  })

  it('boots a kernel directly with initrd and command line kept as single arguments', () => {
    const argv = buildQemuArgv({
      ...base,
      kernel: { kernel: '/k/vmlinuz', initrd: '/k/initrd', append: 'console=ttyS0 quiet a=b,c' },
    })
    expect(values(argv, '-kernel')).toEqual(['/k/vmlinuz'])
    expect(values(argv, '-initrd')).toEqual(['/k/initrd'])
    expect(values(argv, '-append')).toEqual(['console=ttyS0 quiet a=b,c'])
  })

  it('omits initrd and append when not given', () => {
    const argv = buildQemuArgv({ ...base, kernel: { kernel: '/k/vmlinuz' } })
    expect(argv).not.toContain('-initrd')
    expect(argv).not.toContain('-append')
  })

  it('leaves networking out when disabled, and honours binary, name, memory and cpus', () => {
    const argv = buildQemuArgv({
      ...base,
      network: false,
      binary: '/opt/qemu/bin/qemu-system-x86_64',
      name: 'vm,1',
      memoryMiB: 4096,
      cpus: 4,
    })
    expect(argv[0]).toBe('/opt/qemu/bin/qemu-system-x86_64')
    expect(argv).not.toContain('-nic')
    expect(values(argv, '-name')).toEqual(['guest=vm,,1'])
    expect(values(argv, '-m')).toEqual(['4096'])
    expect(values(argv, '-smp')).toEqual(['4'])
  })

  it('escapes commas in socket paths', () => {
    const argv = buildQemuArgv({ ...base, serialSocket: '/tmp/a,b/serial.sock' })
    expect(values(argv, '-chardev')[0]).toBe(
      'socket,id=serial0,path=/tmp/a,,b/serial.sock,server=on,wait=on',
    )
  })
})

describe('escapeQemuValue', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a,,b'],
    [',,', ',,,,'],
  ])('%s -> %s', (input, expected) => expect(escapeQemuValue(input)).toBe(expected))

  it('puts an ISO in a CD-ROM drive that boots before the disk', () => {
    const argv = buildQemuArgv({
      ...base,
      cdrom: '/img/a,b.iso',
      drive: { path: '/img/d.qcow2', format: 'qcow2', snapshot: true },
    })
    expect(values(argv, '-drive')).toEqual([
      'file=/img/a,,b.iso,if=none,id=cd0,media=cdrom,readonly=on,format=raw',
      'file=/img/d.qcow2,if=none,id=disk0,format=qcow2,snapshot=on',
    ])
    expect(values(argv, '-device')).toEqual(
      expect.arrayContaining([
        'ide-cd,drive=cd0,bus=ide.0,bootindex=0',
        'virtio-blk-pci,drive=disk0,bootindex=1',
      ]),
    )
  })

  it('gives the disk no boot index without a CD-ROM', () => {
    const argv = buildQemuArgv({
      ...base,
      drive: { path: '/img/d.raw', format: 'raw', snapshot: true },
    })
    expect(values(argv, '-device')).toContain('virtio-blk-pci,drive=disk0')
  })
})
