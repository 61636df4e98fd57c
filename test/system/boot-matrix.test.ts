// Every disk layout, bootloader and firmware the elements support, proven by booting. Three
// builds, run one after the other, cover the combinations between them:
//   1. MBR, extlinux (DIB_EXTLINUX=1), an XFS root: SeaBIOS. With initramfs-vm (a lean
//      initramfs, MODULES=list) and baremetal (its kernel and initrd beside the image), whose
//      initramfs is then booted once more with a disk behind every controller the element
//      claims QEMU emulates, and must see each of them before it mounts the root.
//   2. block-device-efi-4k: 4096-byte sectors on the build's loop device and in the guest, the
//      ESP mounted through FUSE where the kernel has no vfat, a btrfs root with its own
//      ROOT_LABEL, grub EFI from the removable-media path: OVMF, logged in to check what is
//      mounted. (block-device-efi's 512-byte layout had a build and boot of its own; the 4Kn
//      boot takes every step of it and the sector size besides, and the 512-byte GPT boots
//      below with SeaBIOS. reproducible-image builds block-device-efi itself.)
//   3. GPT with a BIOS boot partition and a separate /boot, /var and swap (DIB_BLOCK_DEVICE_CONFIG),
//      grub BIOS: SeaBIOS, logged in to check what is mounted and that swap is on
// All three use initramfs-vm, so each root filesystem (xfs, btrfs, ext4) is booted with the
// lean initramfs, and each build spends seconds, not minutes, in mkinitramfs; the default
// MODULES=most initramfs boots in debian-vm, cloud-elements and dib-tree.
// Each build must pass the hygiene check and leave nothing on the host. The images are
// uncompressed qcow2 (-u): the layouts are the point here (compression is dib-options' and
// debian-vm's), and compressing cost each build 20-35 s of one core.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  IW_BIN,
  REPO,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { initramfsFiles } from '../helpers/initramfs.ts'

const MULTI_PARTITION = join(REPO, 'test', 'fixtures', 'boot-matrix', 'multi-partition.yaml')
const PASSWORD = 'boot-matrix-pw'

let work: string
let before: HostSnapshot

beforeAll(() => {
  work = mkdtempSync('/var/tmp/iw-boot-matrix-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

async function build(
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const result = await runCli(DIB_BIN, {
    args: ['-u', '-o', name, ...args],
    // The layouts are the point here, not the release: bookworm, where they were proven; the
    // default release (trixie) boots in debian-vm and cloud-elements.
    env: {
      DIB_IMAGE_CACHE: TEST_CACHE,
      DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
      DIB_RELEASE: 'bookworm',
      TMPDIR: join(work, 'tmp'),
      ...env,
    },
    cwd: work,
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  expect(result.stdout).toContain('Hygiene check passed')
  // a clean build warns of nothing (a FUSE mount's daemon taken for a stray process once did)
  expect(result.stdout).not.toContain('WARNING')
  expectHostClean()
  return join(work, `${name}.qcow2`)
}

async function boot(
  image: string,
  args: readonly string[] = [],
): Promise<{ result: CliResult; console: string }> {
  const consoleLog = `${image}.console`
  const result = await runCli(IW_BIN, {
    args: ['boot-test', '--quiet', '--timeout', '600', '--console-log', consoleLog, ...args, image],
    cwd: work,
  })
  expect(result.stdout, result.stderr).toContain('PASS')
  expect(result.code).toBe(0)
  expectHostClean()
  return { result, console: readFileSync(consoleLog, 'utf8') }
}

function expectHostClean(): void {
  expect(hostSnapshot(work)).toEqual(before)
  // A FUSE mount's daemon (fusefat) outlives nothing: umount waits for it.
  const fusefat = execFileSync('sh', ['-c', 'pgrep -af fusefat || true'], { encoding: 'utf8' })
  expect(fusefat.split('\n').filter((line) => line.includes(work))).toEqual([])
}

/** The text a guest command printed, from boot-test's "$ cmd  (exit N)" report. */
function commandOutput(stdout: string, command: string): { exit: number; output: string } {
  const lines = stdout.split('\n')
  const start = lines.findIndex((line) => line.startsWith(`$ ${command}  (exit `))
  expect(start, `no report of "${command}" in:\n${stdout}`).toBeGreaterThanOrEqual(0)
  const exit = Number(/\(exit (\d+)\)$/.exec(lines[start] ?? '')?.[1])
  const output: string[] = []
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break
    output.push(line.slice(2))
  }
  return { exit, output: output.join('\n') }
}

// The controllers initramfs-vm claims that QEMU emulates (the image's own disk is virtio-blk).
const CONTROLLERS = ['virtio-scsi', 'nvme', 'ahci', 'piix-ide', 'megasas', 'lsi', 'pvscsi']
const LEAN_DISKS_SEEN = [
  `n=0; while [ "$(ls /dev/disk/by-label | grep -c ^iwvm-)" -lt ${CONTROLLERS.length} ] && [ $n -lt 90 ]; do sleep 1; n=$((n+1)); done`,
  'ls /dev/disk/by-label',
].join('; ')
const PCI_DRIVERS = 'ls /sys/bus/pci/drivers'

/** A small ext4 filesystem labelled iwvm-CONTROLLER for each controller, in plain files. */
function labelledDisks(): string[] {
  return CONTROLLERS.map((controller) => {
    const file = join(work, `disk-${controller}.raw`)
    writeFileSync(file, '')
    execFileSync('mkfs.ext4', ['-q', '-F', '-L', `iwvm-${controller}`, file, '4M'])
    return `${controller}:${file}`
  })
}

describe('boot matrix', () => {
  it('MBR + extlinux + XFS root boots with SeaBIOS; a lean initramfs (initramfs-vm) finds disks behind every controller', async () => {
    const image = await build(
      'extlinux-xfs',
      ['debian-minimal', 'vm', 'block-device-mbr', 'initramfs-vm', 'baremetal'],
      { DIB_EXTLINUX: '1', FS_TYPE: 'xfs' },
    )
    const { console } = await boot(image)
    // syslinux's loader, not grub, read the kernel from the XFS root
    expect(console).toMatch(/SYSLINUX \d/)
    expect(console).not.toContain('GNU GRUB')
    expect(console).toMatch(/Command line: .*root=LABEL=img-rootfs ro .*console=ttyS0,115200/)
    expect(console).toMatch(/XFS \(vda1\): Mounting/)

    // The lean initramfs: the listed drivers, not MODULES=most's hundreds.
    const initrd = join(work, 'extlinux-xfs.initrd')
    const modules = initramfsFiles(initrd)
      .filter((file) => /\.ko(\.\w+)?$/.test(file))
      .map((file) => file.replace(/^.*\//, '').replace(/\.ko(\.\w+)?$/, ''))
    for (const module of ['virtio_blk', 'virtio_scsi', 'nvme', 'ahci', 'ata_piix', 'sd_mod'])
      expect(modules).toContain(module)
    for (const module of ['megaraid_sas', 'sym53c8xx', 'vmw_pvscsi', 'mptspi', 'mptsas'])
      expect(modules).toContain(module)
    for (const module of ['xen-blkfront', 'hv_storvsc', 'hv_vmbus'])
      expect(modules).toContain(module)
    for (const module of ['ext4', 'xfs', 'btrfs', 'vfat', 'crc32c_generic', 'libcrc32c'])
      expect(modules).toContain(module)
    expect(modules).not.toContain('usb-storage')
    expect(modules.length).toBeLessThan(100)

    // Its kernel and initramfs, stopped before the root is mounted, with a disk behind each
    // controller: every labelled disk must have appeared, its driver loaded from the initramfs.
    const disks = labelledDisks()
    const shell = await runCli(IW_BIN, {
      args: [
        'boot-test',
        '--quiet',
        '--timeout',
        '600',
        ...['--kernel', join(work, 'extlinux-xfs.vmlinuz'), '--initrd', initrd],
        ...['--append', 'root=LABEL=img-rootfs ro console=ttyS0 break=premount'],
        ...['--marker', '^\\(initramfs\\) '],
        ...disks.flatMap((disk) => ['--attach-disk', disk]),
        ...['--command', LEAN_DISKS_SEEN, '--command', PCI_DRIVERS],
        ...['--console-log', `${image}.initramfs.console`],
        image,
      ],
      cwd: work,
    })
    expect(shell.stdout, shell.stderr).toContain('PASS')
    expect(shell.code).toBe(0)
    expectHostClean()
    const labels = commandOutput(shell.stdout, LEAN_DISKS_SEEN).output.split(/\s+/)
    expect(labels).toEqual(
      expect.arrayContaining(['img-rootfs', ...CONTROLLERS.map((c) => `iwvm-${c}`)]),
    )
    const drivers = commandOutput(shell.stdout, PCI_DRIVERS).output.split(/\s+/)
    expect(drivers).toEqual(
      expect.arrayContaining(['ahci', 'ata_piix', 'megaraid_sas', 'nvme', 'sym53c8xx']),
    )
    expect(drivers).toEqual(expect.arrayContaining(['virtio-pci', 'vmw_pvscsi']))
  })

  it('block-device-efi-4k boots from a 4Kn disk with UEFI from the removable-media path; btrfs root by ROOT_LABEL, ESP mounted', async () => {
    const image = await build(
      'efi-4k',
      ['debian-minimal', 'vm', 'block-device-efi-4k', 'devuser', 'initramfs-vm'],
      {
        FS_TYPE: 'btrfs',
        ROOT_LABEL: 'root-4k',
        DIB_DEV_USER_PASSWORD: PASSWORD,
        DIB_DEV_USER_PWDLESS_SUDO: '1',
      },
    )
    const commands = [
      'cat /sys/block/vda/queue/logical_block_size',
      'findmnt -rn -o TARGET,SOURCE,FSTYPE,LABEL /',
      'findmnt -rn -o TARGET,SOURCE,FSTYPE /boot/efi',
      'ls /boot/efi/EFI/BOOT',
    ]
    // neither --sector-size nor --uefi: boot-test reads the sectors from the image's GPT and
    // picks UEFI because BIOS cannot boot such a disk
    const { result, console } = await boot(image, [
      '--user',
      'devuser',
      '--password',
      PASSWORD,
      ...commands.flatMap((c) => ['--command', c]),
    ])
    // a fresh OVMF has no boot entries: it found EFI/BOOT/BOOTX64.EFI on the disk by itself
    expect(console).toMatch(/BdsDxe: starting Boot\d+ "UEFI Misc Device"/)
    expect(console).toMatch(/efi: EFI v/)
    expect(console).toMatch(/\[vda\] \d+ 4096-byte logical blocks/)
    // grub read the kernel from btrfs, and the initramfs mounted it as the root
    expect(console).toMatch(/BTRFS: device label root-4k devid 1 .* \/dev\/vda3/)
    expect(console).toMatch(/BTRFS info \(device vda3\): first mount of filesystem/)
    expect(commandOutput(result.stdout, commands[0] ?? '')).toEqual({ exit: 0, output: '4096' })
    expect(commandOutput(result.stdout, commands[1] ?? '').output).toBe('/ /dev/vda3 btrfs root-4k')
    expect(commandOutput(result.stdout, commands[2] ?? '').output).toBe('/boot/efi /dev/vda1 vfat')
    expect(commandOutput(result.stdout, commands[3] ?? '').output).toBe('BOOTX64.EFI')
  })

  it('GPT with BIOS boot, separate /boot, /var and swap boots; fstab names each by label', async () => {
    const image = await build(
      'multi',
      ['--image-size', '3', 'debian-minimal', 'vm', 'devuser', 'initramfs-vm'],
      {
        DIB_BLOCK_DEVICE_CONFIG: `file://${MULTI_PARTITION}`,
        DIB_DEV_USER_PASSWORD: PASSWORD,
        DIB_DEV_USER_PWDLESS_SUDO: '1',
      },
    )
    const findmnt = (target: string): string =>
      `findmnt -rn -o TARGET,SOURCE,FSTYPE,LABEL ${target}`
    const commands = [
      'cat /etc/fstab',
      'sudo -n swapon --show=NAME,TYPE --noheadings',
      findmnt('/'),
      findmnt('/boot'),
      findmnt('/var'),
    ]
    const { result } = await boot(image, [
      '--user',
      'devuser',
      '--password',
      PASSWORD,
      ...commands.flatMap((c) => ['--command', c]),
    ])

    const fstab = commandOutput(result.stdout, commands[0] ?? '')
    expect(fstab.exit).toBe(0)
    expect(fstab.output).toMatch(/^LABEL=img-rootfs\s+\/\s+ext4\s+defaults\s+0\s+1$/m)
    expect(fstab.output).toMatch(/^LABEL=img-boot\s+\/boot\s+ext4\s+defaults\s+0\s+2$/m)
    expect(fstab.output).toMatch(/^LABEL=img-var\s+\/var\s+ext4\s+defaults\s+0\s+2$/m)
    expect(fstab.output).toMatch(/^LABEL=img-swap\s+none\s+swap\s+sw\s+0\s+0$/m)

    // the swap partition is active (from fstab), and devuser's password-less sudo works (under a
    // slow emulated CPU the serial console once padded the line with blanks before it)
    const swaps = commandOutput(result.stdout, commands[1] ?? '')
    expect(swaps).toEqual({
      exit: 0,
      output: expect.stringMatching(/^\s*\/dev\/vda3\s+partition$/m),
    })

    // grub found the kernel on the separate /boot; systemd mounted /boot and /var from fstab
    expect(commandOutput(result.stdout, findmnt('/')).output).toBe('/ /dev/vda5 ext4 img-rootfs')
    expect(commandOutput(result.stdout, findmnt('/boot')).output).toBe(
      '/boot /dev/vda2 ext4 img-boot',
    )
    expect(commandOutput(result.stdout, findmnt('/var')).output).toBe('/var /dev/vda4 ext4 img-var')
  })
})
