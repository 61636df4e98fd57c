// Further disks for a boot test, each behind its own controller of a kind QEMU emulates, so an
// image's initramfs can be shown to find disks behind every controller it claims. Pure.
import { UsageError } from '../errors.ts'
import { formatFromExtension, type DiskFormat } from './disk-format.ts'

/** Controller kinds, by the name `--attach-disk KIND:FILE` takes. */
export const DISK_CONTROLLERS = [
  'virtio-blk',
  'virtio-scsi',
  'nvme',
  'ahci',
  'piix-ide',
  'megasas',
  'lsi',
  'pvscsi',
] as const

export type DiskController = (typeof DISK_CONTROLLERS)[number]

export interface ExtraDisk {
  readonly controller: DiskController
  readonly path: string
  readonly format: DiskFormat
}

// The QEMU device of each controller, and the disk device on its bus (none: the controller is
// the disk).
const DEVICES: Record<DiskController, { readonly controller: string; readonly disk?: string }> = {
  'virtio-blk': { controller: 'virtio-blk-pci' },
  'virtio-scsi': { controller: 'virtio-scsi-pci', disk: 'scsi-hd' },
  nvme: { controller: 'nvme' },
  ahci: { controller: 'ich9-ahci', disk: 'ide-hd' },
  'piix-ide': { controller: 'piix3-ide', disk: 'ide-hd' },
  megasas: { controller: 'megasas', disk: 'scsi-hd' },
  lsi: { controller: 'lsi53c895a', disk: 'scsi-hd' },
  pvscsi: { controller: 'pvscsi', disk: 'scsi-hd' },
}

const isController = (name: string): name is DiskController =>
  (DISK_CONTROLLERS as readonly string[]).includes(name)

/** `KIND:FILE`, e.g. `nvme:/tmp/data.raw`; the format is qcow2 by extension, raw otherwise. */
export function parseExtraDisk(spec: string): ExtraDisk {
  const colon = spec.indexOf(':')
  const kind = colon < 0 ? '' : spec.slice(0, colon)
  const path = colon < 0 ? '' : spec.slice(colon + 1)
  if (!isController(kind) || path === '') {
    throw new UsageError(
      `Option "--attach-disk" needs KIND:FILE with KIND one of ${DISK_CONTROLLERS.join(', ')}: got "${spec}"`,
    )
  }
  return { controller: kind, path, format: formatFromExtension(path) ?? 'raw' }
}

/**
 * QEMU arguments for the extra disks, numbered from 1 (disk0 is the image). Writes go to a
 * throwaway layer (snapshot=on): the files are never changed.
 */
export function extraDiskArgs(
  disks: readonly ExtraDisk[],
  escape: (value: string) => string,
): string[] {
  return disks.flatMap((disk, index) => {
    const n = index + 1
    const drive = `file=${escape(disk.path)},if=none,id=disk${n},format=${disk.format},snapshot=on`
    const device = DEVICES[disk.controller]
    if (device.disk === undefined) {
      const serial = disk.controller === 'nvme' ? `,serial=iw-disk${n}` : ''
      return ['-drive', drive, '-device', `${device.controller},drive=disk${n}${serial}`]
    }
    return [
      '-drive',
      drive,
      '-device',
      `${device.controller},id=hba${n}`,
      '-device',
      `${device.disk},drive=disk${n},bus=hba${n}.0`,
    ]
  })
}
