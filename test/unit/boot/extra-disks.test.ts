import { describe, expect, it } from 'vitest'
import { DISK_CONTROLLERS, extraDiskArgs, parseExtraDisk } from '../../../src/boot/extra-disks.ts'
import { buildQemuArgv, escapeQemuValue, type QemuPlan } from '../../../src/boot/qemu-argv.ts'

const base: QemuPlan = {
  accel: 'tcg',
  memoryMiB: 1024,
  cpus: 2,
  serialSocket: '/tmp/t/serial.sock',
  qmpSocket: '/tmp/t/qmp.sock',
  network: false,
}

describe('parseExtraDisk', () => {
  it.each([
    ['virtio-scsi:/d/a.raw', { controller: 'virtio-scsi', path: '/d/a.raw', format: 'raw' }],
    ['nvme:/d/a.qcow2', { controller: 'nvme', path: '/d/a.qcow2', format: 'qcow2' }],
    ['pvscsi:/d/x:y.img', { controller: 'pvscsi', path: '/d/x:y.img', format: 'raw' }],
  ] as const)('reads %s', (spec, expected) => {
    expect(parseExtraDisk(spec)).toEqual(expected)
  })

  it.each(['', 'nvme', 'nvme:', 'sata:/d/a.raw', ':/d/a.raw'])('refuses "%s"', (spec) => {
    expect(() => parseExtraDisk(spec)).toThrow(`got "${spec}"`)
  })
})

describe('extraDiskArgs', () => {
  it.each([
    ['virtio-blk', ['virtio-blk-pci,drive=disk1']],
    ['nvme', ['nvme,drive=disk1,serial=iw-disk1']],
    ['virtio-scsi', ['virtio-scsi-pci,id=hba1', 'scsi-hd,drive=disk1,bus=hba1.0']],
    ['ahci', ['ich9-ahci,id=hba1', 'ide-hd,drive=disk1,bus=hba1.0']],
    ['piix-ide', ['piix3-ide,id=hba1', 'ide-hd,drive=disk1,bus=hba1.0']],
    ['megasas', ['megasas,id=hba1', 'scsi-hd,drive=disk1,bus=hba1.0']],
    ['lsi', ['lsi53c895a,id=hba1', 'scsi-hd,drive=disk1,bus=hba1.0']],
    ['pvscsi', ['pvscsi,id=hba1', 'scsi-hd,drive=disk1,bus=hba1.0']],
  ] as const)('puts a disk behind %s', (controller, devices) => {
    const argv = extraDiskArgs([{ controller, path: '/d/a,b.raw', format: 'raw' }], escapeQemuValue)
    expect(argv).toEqual([
      '-drive',
      'file=/d/a,,b.raw,if=none,id=disk1,format=raw,snapshot=on',
      ...devices.flatMap((device) => ['-device', device]),
    ])
  })

  it('covers every controller kind, numbering disks and controllers apart', () => {
    const disks = DISK_CONTROLLERS.map((controller) => ({
      controller,
      path: `/d/${controller}.raw`,
      format: 'raw' as const,
    }))
    const argv = extraDiskArgs(disks, escapeQemuValue)
    const drives = argv.filter((_, i) => argv[i - 1] === '-drive')
    expect(drives.map((d) => /id=(disk\d+)/.exec(d)?.[1])).toEqual(
      DISK_CONTROLLERS.map((_, i) => `disk${i + 1}`),
    )
  })

  it('puts the image first in the boot order when further disks are attached', () => {
    const drive = { path: '/img/a.qcow2', format: 'qcow2', snapshot: true } as const
    const extraDisks = [{ controller: 'ahci', path: '/d/b.raw', format: 'raw' }] as const
    const argv = buildQemuArgv({ ...base, drive, extraDisks })
    expect(argv).toContain('virtio-blk-pci,drive=disk0,bootindex=0')
    expect(argv).toContain('ide-hd,drive=disk1,bus=hba1.0')
    expect(buildQemuArgv({ ...base, drive })).toContain('virtio-blk-pci,drive=disk0')
    const withCd = buildQemuArgv({ ...base, drive, extraDisks, cdrom: '/i.iso' })
    expect(withCd).toContain('virtio-blk-pci,drive=disk0,bootindex=1')
    // QEMU's direct kernel boot takes bootindex 0 itself
    const withKernel = buildQemuArgv({ ...base, drive, extraDisks, kernel: { kernel: '/k' } })
    expect(withKernel).toContain('virtio-blk-pci,drive=disk0')
  })
})
