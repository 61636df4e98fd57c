// Everything a boot test needs before QEMU starts: a private temp dir (sockets, firmware
// variables, disk overlay), the image's format, and an accelerator that really works here.
import { constants } from 'node:fs'
import { access, copyFile, mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ConfigError, HostRequirementError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import type { AsyncStack } from '../util/async-stack.ts'
import {
  formatFromExtension,
  HEAD_BYTES,
  hasBootSignature,
  isDiskFormat,
  isIso9660,
  ISO9660_HEAD_BYTES,
  parseQemuImgInfo,
  qemuImgInfoArgv,
  qemuImgHeadArgv,
  qemuImgOverlayArgv,
  sectorSizeFromHead,
  type DiskFormat,
} from './disk-format.ts'
import type { SectorSize } from '../util/sector-size.ts'
import {
  OVMF_CODE,
  OVMF_VARS,
  type Accel,
  type DirectKernelBoot,
  type QemuDrive,
  type QemuPlan,
} from './qemu-argv.ts'
import type { ExtraDisk } from './extra-disks.ts'

export type Firmware = 'bios' | 'uefi'
/** "auto": BIOS, unless the disk has sectors BIOS boot code cannot read. */
export type FirmwareChoice = Firmware | 'auto'
/** "auto" uses KVM when /dev/kvm can be opened and TCG otherwise. */
export type AccelChoice = Accel | 'auto'

export interface VmSetup {
  readonly image?: string
  readonly format?: DiskFormat
  readonly kernel?: DirectKernelBoot
  /** An ISO image to boot from a CD-ROM drive. */
  readonly cdrom?: string
  readonly extraDisks?: readonly ExtraDisk[]
  readonly firmware: FirmwareChoice
  readonly accel: AccelChoice
  readonly memoryMiB: number
  readonly cpus: number
  readonly diskSize?: number
  /** The disk's logical sector size; read from its partition table when absent. */
  readonly sectorSize?: SectorSize
  readonly network: boolean
  readonly ovmf?: { readonly code: string; readonly vars: string }
  readonly qemuBinary?: string
  readonly tempParent?: string
}

const KVM_DEVICE = '/dev/kvm'
// sun_path is 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107

/** Create the temp dir and files (released through `stack`) and return the QEMU plan. */
export async function prepareVm(
  setup: VmSetup,
  runner: Runner,
  reporter: Reporter,
  stack: AsyncStack,
): Promise<QemuPlan> {
  const accel = await chooseAccel(setup.accel, reporter)
  // Asked for by name, missing firmware is reported before anything is made.
  const asked = setup.firmware === 'uefi' ? await checkOvmf(setup.ovmf) : undefined
  const dir = await mkdtemp(join(setup.tempParent ?? tmpdir(), 'imagewright-boot-'))
  stack.defer(`boot test temp dir "${dir}"`, () => rm(dir, { recursive: true, force: true }))
  const serialSocket = join(dir, 'serial.sock')
  if (Buffer.byteLength(serialSocket) > MAX_SOCKET_PATH) {
    throw new HostRequirementError(
      `Cannot create console socket "${serialSocket}": path too long`,
      { hint: 'Set TMPDIR to a shorter directory' },
    )
  }
  const cdrom = setup.cdrom === undefined ? undefined : await checkIso(setup.cdrom)
  const drive =
    setup.image === undefined ? undefined : await prepareDrive(setup.image, setup, dir, runner)
  // A kernel or a CD boots without the disk's boot code.
  const bootsFromDisk = setup.kernel === undefined && cdrom === undefined
  const firmware = chooseFirmware(
    setup.firmware,
    drive?.sectorSize,
    bootsFromDisk ? setup.image : undefined,
  )
  if (setup.firmware === 'auto' && firmware === 'uefi') {
    reporter.emit({
      kind: 'info',
      message: `Boot test uses UEFI firmware: the disk has ${drive?.sectorSize ?? 512}-byte sectors, which BIOS cannot boot from`,
    })
  }
  const uefi = firmware === 'uefi' ? (asked ?? (await checkOvmf(setup.ovmf))) : undefined
  let vars: string | undefined
  if (uefi) {
    // OVMF writes boot entries into its variable store; the shipped template must stay pristine.
    vars = join(dir, 'OVMF_VARS.fd')
    await copyFile(uefi.vars, vars)
  }
  return {
    ...(setup.qemuBinary === undefined ? {} : { binary: setup.qemuBinary }),
    name: 'imagewright-boot-test',
    ...(drive === undefined ? {} : { drive }),
    ...(setup.kernel === undefined ? {} : { kernel: setup.kernel }),
    ...(cdrom === undefined ? {} : { cdrom }),
    ...(setup.extraDisks === undefined ? {} : { extraDisks: setup.extraDisks }),
    ...(uefi && vars ? { uefi: { code: uefi.code, vars } } : {}),
    accel,
    memoryMiB: setup.memoryMiB,
    cpus: setup.cpus,
    serialSocket,
    qmpSocket: join(dir, 'qmp.sock'),
    network: setup.network,
  }
}

/**
 * The firmware to boot with. `bootDisk` is the image the firmware must boot from (undefined when
 * a kernel is booted directly, which needs no boot code from the disk).
 */
export function chooseFirmware(
  choice: FirmwareChoice,
  sectorSize: SectorSize | undefined,
  bootDisk: string | undefined,
): Firmware {
  const biosReadable = sectorSize === undefined || sectorSize === 512 || bootDisk === undefined
  if (choice === 'auto') return biosReadable ? 'bios' : 'uefi'
  if (choice === 'bios' && !biosReadable) {
    throw new ConfigError(
      `Cannot boot "${bootDisk ?? ''}" with BIOS firmware: its disk has ${sectorSize ?? 512}-byte sectors, and BIOS boot code reads 512-byte sectors only`,
      {
        hint: 'Boot it with UEFI (--uefi, or leave the firmware to boot-test); 4Kn images come from block-device-efi-4k',
      },
    )
  }
  return choice
}

async function chooseAccel(choice: AccelChoice, reporter: Reporter): Promise<Accel> {
  if (choice === 'tcg') return 'tcg'
  const problem = await probeKvm()
  if (problem === undefined) return 'kvm'
  if (choice === 'auto') {
    reporter.emit({ kind: 'info', message: `Boot test uses TCG emulation: ${problem}` })
    return 'tcg'
  }
  throw new HostRequirementError(`Cannot use KVM for the boot test: ${problem}`, {
    hint: 'Use accel "tcg" (slower), or give this user read-write access to /dev/kvm',
  })
}

/** Undefined when KVM is usable, otherwise why not. */
export async function probeKvm(): Promise<string | undefined> {
  try {
    const handle = await open(KVM_DEVICE, constants.O_RDWR)
    await handle.close()
    return undefined
  } catch (error) {
    return `cannot open "${KVM_DEVICE}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`
  }
}

async function checkOvmf(
  ovmf: VmSetup['ovmf'],
): Promise<{ readonly code: string; readonly vars: string }> {
  const files = ovmf ?? { code: OVMF_CODE, vars: OVMF_VARS }
  for (const file of [files.code, files.vars]) {
    try {
      await access(file, constants.R_OK)
    } catch (error) {
      throw new HostRequirementError(`Cannot boot with UEFI: firmware "${file}" is missing`, {
        hint: 'Install the "ovmf" package (apt-get install ovmf)',
        cause: error,
      })
    }
  }
  return files
}

/** True when the file is an ISO 9660 image (a bootable ISO is booted from a CD-ROM drive). */
export async function looksLikeIso(path: string): Promise<boolean> {
  try {
    return isIso9660(await readStart(path, ISO9660_HEAD_BYTES))
  } catch {
    return false
  }
}

async function checkIso(path: string): Promise<string> {
  const iso = resolve(path)
  const info = await stat(iso).catch((error: unknown) => {
    throw new ConfigError(`Cannot boot-test "${iso}": no such ISO image`, { cause: error })
  })
  if (!info.isFile() || !(await looksLikeIso(iso))) {
    throw new ConfigError(`Cannot boot-test "${iso}" from a CD-ROM: it is not an ISO 9660 image`, {
      hint: 'Give an ISO made by the iso element (NAME.iso or NAME-boot.iso)',
    })
  }
  return iso
}

async function prepareDrive(
  path: string,
  setup: VmSetup,
  dir: string,
  runner: Runner,
): Promise<QemuDrive> {
  // The overlay records its backing file by name; a relative one would resolve from the temp dir.
  const image = resolve(path)
  const info = await stat(image).catch((error: unknown) => {
    throw new ConfigError(`Cannot boot-test "${image}": no such image`, { cause: error })
  })
  if (info.isDirectory())
    throw new ConfigError(`Cannot boot-test "${image}": it is a directory, not a disk image`)
  const probed = await probeImage(image, runner)
  const format = setup.format ?? probed.format
  // Without this, a file that is no disk at all would boot to nothing and wait for the timeout.
  if (
    format === 'raw' &&
    setup.kernel === undefined &&
    !hasBootSignature(await readStart(image, 512))
  ) {
    throw new ConfigError(
      `Cannot boot-test "${image}": it is not a bootable disk image (no partition table or boot sector)`,
      {
        hint: 'Give a disk image (raw, qcow2, vmdk, vhd or vhdx) built with a bootloader, e.g. with the "vm" element',
      },
    )
  }
  const sectorSize =
    setup.sectorSize ?? sectorSizeFromHead(await readHead(image, format, dir, runner))
  if (setup.diskSize === undefined) return { path: image, format, snapshot: true, sectorSize }
  if (probed.virtualSize !== undefined && setup.diskSize < probed.virtualSize) {
    throw new ConfigError(
      `Cannot boot-test "${image}" with disk size ${setup.diskSize}: ` +
        `smaller than the image's ${probed.virtualSize} bytes`,
    )
  }
  const overlay = join(dir, 'disk-overlay.qcow2')
  await runner.run(
    {
      argv: qemuImgOverlayArgv({ path: image, format }, overlay, setup.diskSize),
      label: 'qemu-img create (boot test overlay)',
    },
    { quiet: true },
  )
  // The overlay is private to this test, so writes may land in it directly.
  return { path: overlay, format: 'qcow2', snapshot: false, sectorSize }
}

/**
 * The first bytes of the disk the guest will see, whatever the image format. When qemu-img
 * cannot read it (a wrong --format, say), nothing is known and QEMU will say what is wrong.
 */
async function readHead(
  image: string,
  format: DiskFormat,
  dir: string,
  runner: Runner,
): Promise<Uint8Array> {
  if (format === 'raw') return readStart(image, HEAD_BYTES)
  const head = join(dir, 'disk-head.raw')
  const copied = await runner.run(
    {
      argv: qemuImgHeadArgv({ path: image, format }, head),
      label: 'qemu-img dd (partition table)',
    },
    { quiet: true, allowFailure: true },
  )
  return copied.exitCode === 0 ? readStart(head, HEAD_BYTES) : new Uint8Array()
}

async function readStart(image: string, bytes: number): Promise<Uint8Array> {
  const handle = await open(image, 'r')
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(bytes), 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

async function probeImage(
  image: string,
  runner: Runner,
): Promise<{ format: DiskFormat; virtualSize?: number }> {
  const info = await runner.run(
    { argv: qemuImgInfoArgv(image), label: 'qemu-img info' },
    { quiet: true, allowFailure: true },
  )
  if (info.exitCode === 0) {
    const { format, virtualSize } = parseQemuImgInfo(info.stdout)
    if (!isDiskFormat(format)) {
      throw new ConfigError(`Cannot boot-test "${image}": unsupported disk format "${format}"`)
    }
    return { format, virtualSize }
  }
  const byName = formatFromExtension(image)
  if (byName) return { format: byName }
  throw new ConfigError(`Cannot tell the disk format of "${image}": ${info.stderr.trim()}`, {
    hint: 'Install qemu-utils, or name the format explicitly',
  })
}
