// The QEMU command line for a boot test, built from a fully resolved plan. Pure: every path in
// the plan already exists or will be created by the caller, so this is table-tested.
import type { SectorSize } from '../util/sector-size.ts'
import type { DiskFormat } from './disk-format.ts'
import { extraDiskArgs, type ExtraDisk } from './extra-disks.ts'

export const QEMU_BINARY = 'qemu-system-x86_64'
export const DEFAULT_MEMORY_MIB = 1024
export const DEFAULT_CPUS = 2
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'

export type Accel = 'tcg' | 'kvm'

export interface QemuDrive {
  readonly path: string
  readonly format: DiskFormat
  /** Send writes to a throwaway layer so booting never changes the image. */
  readonly snapshot: boolean
  /** The logical and physical sector size the guest sees; 512 when absent. */
  readonly sectorSize?: SectorSize
}

export interface UefiFirmware {
  /** Read-only firmware code. */
  readonly code: string
  /** A private, writable copy of the variable store. */
  readonly vars: string
}

export interface DirectKernelBoot {
  readonly kernel: string
  readonly initrd?: string
  readonly append?: string
}

export interface QemuPlan {
  readonly binary?: string
  readonly name?: string
  readonly drive?: QemuDrive
  readonly kernel?: DirectKernelBoot
  /** An ISO image in a CD-ROM drive, booted before the disk. */
  readonly cdrom?: string
  /** Further disks, each behind its own controller; the drive stays first in the boot order. */
  readonly extraDisks?: readonly ExtraDisk[]
  /** Absent means SeaBIOS, QEMU's built-in firmware. */
  readonly uefi?: UefiFirmware
  readonly accel: Accel
  readonly memoryMiB: number
  readonly cpus: number
  /** UNIX socket QEMU listens on for the first serial port. */
  readonly serialSocket: string
  /** UNIX socket QEMU listens on for QMP, used to quit cleanly. */
  readonly qmpSocket: string
  /** User-mode (SLIRP) networking with a virtio NIC. */
  readonly network: boolean
}

/** QEMU splits option values on commas; a literal comma is written twice. */
export function escapeQemuValue(value: string): string {
  return value.replaceAll(',', ',,')
}

export function buildQemuArgv(plan: QemuPlan): [string, ...string[]] {
  const argv: [string, ...string[]] = [plan.binary ?? QEMU_BINARY]
  if (plan.name !== undefined) argv.push('-name', `guest=${escapeQemuValue(plan.name)}`)
  argv.push(
    // No host config file, no default NIC, VGA, CD-ROM or monitor: only what is listed here.
    '-no-user-config',
    '-nodefaults',
    '-machine',
    'q35',
    '-accel',
    plan.accel,
    // "max" gives TCG guests modern instruction sets (some distros require x86-64-v2).
    '-cpu',
    plan.accel === 'kvm' ? 'host' : 'max',
    '-m',
    String(plan.memoryMiB),
    '-smp',
    String(plan.cpus),
    '-display',
    'none',
    // A guest reboot or a panic with panic=N ends QEMU, so a boot loop cannot run forever.
    '-no-reboot',
    // wait=on holds the guest until the console is connected, so no early output is lost.
    '-chardev',
    `socket,id=serial0,path=${escapeQemuValue(plan.serialSocket)},server=on,wait=on`,
    '-serial',
    'chardev:serial0',
    '-chardev',
    `socket,id=qmp0,path=${escapeQemuValue(plan.qmpSocket)},server=on,wait=off`,
    '-mon',
    'chardev=qmp0,mode=control',
  )
  if (plan.uefi) {
    const code = escapeQemuValue(plan.uefi.code)
    const vars = escapeQemuValue(plan.uefi.vars)
    argv.push('-drive', `if=pflash,unit=0,format=raw,readonly=on,file=${code}`)
    argv.push('-drive', `if=pflash,unit=1,format=raw,file=${vars}`)
  }
  if (plan.cdrom !== undefined) argv.push(...cdromArgs(plan.cdrom))
  const extraDisks = plan.extraDisks ?? []
  if (plan.drive) argv.push(...driveArgs(plan.drive, driveBootIndex(plan, extraDisks)))
  argv.push(...extraDiskArgs(extraDisks, escapeQemuValue))
  if (plan.network) argv.push('-nic', 'user,model=virtio-net-pci')
  // Guests waiting for entropy (sshd, cloud-init) would otherwise stall under TCG.
  argv.push('-device', 'virtio-rng-pci')
  if (plan.kernel) {
    argv.push('-kernel', plan.kernel.kernel)
    if (plan.kernel.initrd !== undefined) argv.push('-initrd', plan.kernel.initrd)
    if (plan.kernel.append !== undefined) argv.push('-append', plan.kernel.append)
  }
  return argv
}

// After the CD-ROM; first when other disks could be booted instead (SeaBIOS tries IDE and AHCI
// disks before virtio ones). A kernel booted directly holds bootindex 0 itself.
function driveBootIndex(plan: QemuPlan, extra: readonly ExtraDisk[]): number | undefined {
  if (plan.cdrom !== undefined) return 1
  return extra.length > 0 && plan.kernel === undefined ? 0 : undefined
}

// The drive is a back end without a bus; the virtio-blk device in front of it sets the sectors.
function driveArgs(drive: QemuDrive, bootIndex: number | undefined): string[] {
  const backend = [
    `file=${escapeQemuValue(drive.path)}`,
    'if=none',
    'id=disk0',
    `format=${drive.format}`,
  ]
  if (drive.snapshot) backend.push('snapshot=on')
  const device = ['virtio-blk-pci', 'drive=disk0']
  const sectors = drive.sectorSize ?? 512
  if (sectors !== 512)
    device.push(`logical_block_size=${sectors}`, `physical_block_size=${sectors}`)
  if (bootIndex !== undefined) device.push(`bootindex=${bootIndex}`)
  return ['-drive', backend.join(','), '-device', device.join(',')]
}

// A SATA CD-ROM on q35's built-in AHCI controller, first in the boot order (BIOS and UEFI).
function cdromArgs(iso: string): string[] {
  return [
    '-drive',
    `file=${escapeQemuValue(iso)},if=none,id=cd0,media=cdrom,readonly=on,format=raw`,
    '-device',
    'ide-cd,drive=cd0,bus=ide.0,bootindex=0',
  ]
}
