// The bad-input table, part two: block-device layouts, image size and labels, boot tests and
// the imagewright command itself.
import { execFileSync } from 'node:child_process'
import { dib, imagewrightUsage, type BadInputCase } from '../helpers/bad-input.ts'

/** A layout for DIB_BLOCK_DEVICE_CONFIG, as a user would write it. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`

const LOOP = ['- local_loop:', '    name: image0']
const KNOWN_PLUGINS = 'local_loop, partitioning, lvm, mkfs, mount, fstab'

function deviceMapperProblem(): string | undefined {
  try {
    execFileSync('dmsetup', ['version'], { stdio: 'ignore' })
    return 'device-mapper works on this host, so LVM is not refused'
  } catch {
    return undefined
  }
}

export const BLOCK_DEVICE_CASES: readonly BadInputCase[] = [
  {
    name: 'block-device YAML syntax error',
    env: { DIB_BLOCK_DEVICE_CONFIG: yaml(...LOOP, '- mkfs: {name: mkfs_root, base: image0') },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error: /^DIB_BLOCK_DEVICE_CONFIG:4:1: Cannot parse block-device config: \S/,
  },
  {
    name: 'unknown block-device plugin',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(...LOOP, '- frobnicate:', '    name: x', '    base: image0'),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error: `DIB_BLOCK_DEVICE_CONFIG:3:3: [1]: Cannot read config entry: "frobnicate" is not a block-device plugin (known: ${KNOWN_PLUGINS})`,
  },
  {
    name: 'duplicate node name',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- mkfs:',
        '    name: image0',
        '    base: image0',
        '    type: ext4',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:4:11: [1].mkfs.name: Duplicate node name "image0": local_loop "image0" at DIB_BLOCK_DEVICE_CONFIG:2:5 has it already',
  },
  {
    name: 'edge to an undefined node',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- mkfs:',
        '    name: mkfs_root',
        '    base: nothing_here',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:5:11: [1].mkfs.base: Edge not defined: nothing_here->mkfs_root: no node is named "nothing_here" (base of mkfs "mkfs_root")',
  },
  {
    name: 'filesystem label too long',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- mkfs:',
        '    name: mkfs_root',
        '    base: image0',
        '    type: ext4',
        '    label: this-label-is-far-too-long',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:7:12: [1].mkfs.label: Cannot use label "this-label-is-far-too-long" for ext4 filesystem "mkfs_root": it is 26 characters long, and ext4 labels are at most 16',
  },
  {
    name: 'duplicate filesystem labels',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- partitioning:',
        '    base: image0',
        '    label: mbr',
        '    partitions:',
        '      - name: root',
        '        size: 50%',
        '      - name: var',
        '        size: 50%',
        '- mkfs: {name: mkfs_root, base: root, type: ext4, label: same}',
        '- mkfs: {name: mkfs_var, base: var, type: ext4, label: same}',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:12:56: [3].mkfs.label: Duplicate filesystem label "same": mkfs "mkfs_var" and mkfs "mkfs_root" both use it, labels must be unique',
  },
  {
    name: 'bad size spec',
    env: { DIB_BLOCK_DEVICE_CONFIG: yaml(...LOOP, '    size: 5 parsecs') },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:3:11: [0].local_loop.size: Cannot parse size "5 parsecs": unknown unit "parsecs" (use one of TiB, GiB, MiB, KiB, TB, GB, MB, KB, T, G, M, K, B)',
  },
  {
    name: 'GPT partition with the primary flag',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- partitioning:',
        '    base: image0',
        '    label: gpt',
        '    partitions:',
        '      - name: root',
        '        flags: [primary]',
        '        size: 100%',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'DIB_BLOCK_DEVICE_CONFIG:8:16: [1].partitioning.partitions[0].flags: Cannot use flag "primary" on partition "root": GPT has no primary or logical partitions, remove the flag',
  },
  {
    name: 'file:// config that does not exist',
    env: { DIB_BLOCK_DEVICE_CONFIG: 'file://<case>/layout.yaml' },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'Cannot read DIB_BLOCK_DEVICE_CONFIG file "<case>/layout.yaml": no such file',
    hint: 'Use file:// followed by the path of a readable YAML file, e.g. file:///etc/layout.yaml',
  },
  {
    name: 'layout with no filesystem mounted at /',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '    mkfs:',
        '      name: mkfs_root',
        '      type: ext4',
      ),
    },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'DIB_BLOCK_DEVICE_CONFIG: Cannot build an image: no filesystem is mounted at "/"',
  },
  {
    name: 'LVM layout refused up front without device-mapper',
    env: {
      DIB_BLOCK_DEVICE_CONFIG: yaml(
        ...LOOP,
        '- partitioning:',
        '    base: image0',
        '    label: gpt',
        '    partitions:',
        '      - name: root',
        '        size: 100%',
        '- lvm:',
        '    name: lvm',
        '    pvs: [{name: pv, base: root}]',
        '    vgs: [{name: vg, base: [pv]}]',
        '    lvs: [{name: lv_root, base: vg, size: 1G}]',
        '- mkfs: {name: mkfs_root, base: lv_root, type: ext4}',
        '- mount: {name: mount_root, base: mkfs_root, mount_point: /}',
      ),
    },
    args: dib('host-os'),
    exit: 6,
    code: 'ERR_BLOCK_DEVICE',
    error:
      /^Cannot build LVM volumes of lvm "lvm" \(DIB_BLOCK_DEVICE_CONFIG\): device-mapper is unavailable on this host: \S/,
    hint: 'Build on a host (or privileged container) with device-mapper, or use a layout without lvm',
    skip: deviceMapperProblem(),
  },
  {
    name: 'FS_TYPE=vfat for the root, refused before any work',
    env: { FS_TYPE: 'vfat' },
    args: dib('host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'Cannot use FS_TYPE "vfat" for the root filesystem: it cannot hold symlinks, owners or permissions, which a Linux root needs; use ext4, xfs or btrfs',
    hint: 'Set FS_TYPE to ext4, xfs or btrfs, or leave it unset for ext4',
  },
  {
    name: '--root-label too long for ext4',
    args: dib('--root-label', 'this-root-label-is-too-long', 'host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'Cannot use label "this-root-label-is-too-long" (from --root-label or ROOT_LABEL) for ext4 filesystem "mkfs_root": it is 27 characters long, and ext4 labels are at most 16',
    hint: 'Change --root-label (or ROOT_LABEL), or leave it out to use the default label',
  },
  {
    // Only the finished tree says how big it is, so this one fails after root.d.
    name: '--image-size too small for the tree',
    args: dib('--image-size', '0.001', 'host-os'),
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      /^Image size 1 MiB \(--image-size or DIB_IMAGE_SIZE\) is too small for the image tree \(\d+ MiB\) and a 64 MiB ext4 journal: it needs at least \d+ MiB$/,
    hint: 'Give a larger --image-size (in GiB), or leave it out to size the image automatically',
    early: false,
  },
]

// Boot tests make their private directory before they look at the image.
export const IMAGEWRIGHT_CASES: readonly BadInputCase[] = [
  {
    name: 'boot-test on a missing file',
    bin: 'imagewright',
    args: ['boot-test', '<case>/missing.qcow2'],
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'Cannot boot-test "<case>/missing.qcow2": no such image',
    early: false,
  },
  {
    name: 'boot-test on a file that is not a disk image',
    bin: 'imagewright',
    files: { 'notes.txt': 'shopping list\n' },
    args: ['boot-test', '--timeout', '20', '<case>/notes.txt'],
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'Cannot boot-test "<case>/notes.txt": it is not a bootable disk image (no partition table or boot sector)',
    hint: 'Give a disk image (raw, qcow2, vmdk, vhd or vhdx) built with a bootloader, e.g. with the "vm" element',
    early: false,
  },
  {
    name: 'boot-test on a directory',
    bin: 'imagewright',
    files: { 'images/README': 'not an image\n' },
    args: ['boot-test', '<case>/images'],
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'Cannot boot-test "<case>/images": it is a directory, not a disk image',
    early: false,
  },
  imagewrightUsage(
    'boot-test with a bad --timeout',
    ['boot-test', '--timeout', 'soon', '<case>/missing.qcow2'],
    'Option "--timeout" needs a positive number: got "soon"',
  ),
  imagewrightUsage(
    'boot-test with both --uefi and --bios',
    ['boot-test', '--uefi', '--bios', '<case>/missing.qcow2'],
    'Options "--uefi" and "--bios" exclude each other',
  ),
  {
    name: 'boot-test with a bad --sector-size',
    bin: 'imagewright',
    args: ['boot-test', '--sector-size', '4k', '<case>/missing.qcow2'],
    exit: 2,
    code: 'ERR_USAGE',
    error: 'Cannot use --sector-size "4k": a sector size is 512, 1024, 2048, 4096 bytes',
    hint: 'Set --sector-size to 512 (most disks) or 4096 (4Kn disks)',
  },
  imagewrightUsage(
    'boot-test with a bad --marker regex',
    ['boot-test', '--marker', 'login: (', '<case>/missing.qcow2'],
    'Option "--marker" is not a valid regular expression: "login: ("',
  ),
  imagewrightUsage(
    'boot-test --password without --user',
    ['boot-test', '--password', 'secret', '<case>/missing.qcow2'],
    'Option "--password" needs "--user"',
  ),
  {
    name: 'boot-test without an image',
    bin: 'imagewright',
    args: ['boot-test'],
    exit: 2,
    code: 'ERR_USAGE',
    error: 'boot-test needs something to boot: an IMAGE, --kernel or --cdrom',
    hint: 'For example: imagewright boot-test --kernel NAME.kernel --initrd NAME.initramfs --append console=ttyS0',
  },
  {
    name: 'imagewright unknown subcommand',
    bin: 'imagewright',
    args: ['frobnicate'],
    exit: 2,
    code: 'ERR_USAGE',
    error: 'Unknown command "frobnicate"',
    hint: 'Run "imagewright --help" to see the commands and their options',
  },
  imagewrightUsage(
    'imagewright misspelt subcommand',
    ['buidl', '-n', 'host-os'],
    'Unknown command "buidl"',
    { hint: 'Did you mean "build"?' },
  ),
  imagewrightUsage(
    'imagewright build with an unknown option',
    ['build', ...dib('--frobnicate', 'host-os')],
    'Unrecognized option "--frobnicate"',
    { hint: 'Run with --help to list the options' },
  ),
  {
    name: 'imagewright plan with an unknown element',
    bin: 'imagewright',
    args: ['plan', ...dib('host-os', 'hots-os')],
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Element 'hots-os' not found",
    hint: "Searched: '<case>/elements', '<fixtures>', '<builtin>'\nDid you mean 'host-os'?",
  },
]
