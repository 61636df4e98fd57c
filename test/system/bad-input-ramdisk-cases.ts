// The bad-input table, part three: ramdisks, ISOs and booting them.
import { dib, imagewrightUsage, type BadInputCase } from '../helpers/bad-input.ts'

/** ramdisk-image-create with the fast test OS, writing into <case>/out. */
const ramdisk = (...rest: string[]): string[] => ['-n', '-o', '<case>/out/img', ...rest]
const TRY_TRACE =
  'Run again with -x to trace the script, or with break=after-error to get a shell where it failed'

export const RAMDISK_CASES: readonly BadInputCase[] = [
  {
    name: 'a ramdisk of a tree without a kernel',
    bin: 'ramdisk',
    args: ramdisk('host-os'),
    exit: 5,
    code: 'ERR_HOOK_FAILED',
    error:
      'Script "post-install.d/99-ramdisk-build" of element "ramdisk" exited with status 1: ramdisk: no kernel in the image tree (/boot/vmlinuz-*): add an element that installs one (debian-minimal and the other OS elements do); last output:',
    hint: TRY_TRACE,
    early: false,
  },
  {
    name: 'a whole-tree ramdisk of a tree without a kernel',
    bin: 'ramdisk',
    args: ramdisk('--ramdisk-element', 'rootfs-ramdisk', 'host-os'),
    exit: 5,
    code: 'ERR_HOOK_FAILED',
    error:
      'Script "cleanup.d/90-rootfs-ramdisk-pack" of element "rootfs-ramdisk" exited with status 1: rootfs-ramdisk: no kernel in the image tree (/boot/vmlinuz-*): add an element that installs one (debian-minimal and the other OS elements do); last output:',
    hint: TRY_TRACE,
    early: false,
  },
  {
    name: 'a dracut ramdisk of a tree without a kernel',
    bin: 'ramdisk',
    args: ramdisk('--ramdisk-element', 'dracut-ramdisk', 'host-os'),
    exit: 5,
    code: 'ERR_HOOK_FAILED',
    error:
      'Script "post-install.d/99-dracut-ramdisk-build" of element "dracut-ramdisk" exited with status 1: dracut-ramdisk: no kernel in the image tree (/boot/vmlinuz-*): add an element that installs one (debian-minimal and the other OS elements do); last output:',
    hint: TRY_TRACE,
    early: false,
  },
  {
    name: 'an ISO without a ramdisk or baremetal',
    args: dib('host-os', 'iso'),
    exit: 5,
    code: 'ERR_HOOK_FAILED',
    error:
      'Script "root.d/01-iso-check" of element "iso" exited with status 1: iso: nothing to put on the ISO: use the iso element with ramdisk-image-create, or with the baremetal element on a disk image; last output:',
    hint: TRY_TRACE,
    early: false,
  },
  imagewrightUsage(
    'boot-test --initrd without --kernel',
    ['boot-test', '--initrd', '<case>/img.initramfs', '<case>/img.qcow2'],
    'Option "--initrd" needs "--kernel"',
  ),
  {
    name: 'boot-test --cdrom with a file that is not an ISO',
    bin: 'imagewright',
    files: { 'notes.iso': 'shopping list\n' },
    args: ['boot-test', '--cdrom', '<case>/notes.iso'],
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'Cannot boot-test "<case>/notes.iso" from a CD-ROM: it is not an ISO 9660 image',
    hint: 'Give an ISO made by the iso element (NAME.iso or NAME-boot.iso)',
    early: false,
  },
]
