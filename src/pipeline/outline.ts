// The build's order of work as `plan` shows it: DIB's phases, in the order of the phase table the
// build runs them by, with what the core does before the first and after each one. build-image.ts
// is the code; test/unit/pipeline/outline.test.ts pins its phase calls to the same table.
import { PHASE_NAMES, type PhaseName } from '../phases/phase-table.ts'

export type OutlineStep = { readonly phase: PhaseName } | { readonly core: string }

/** What the core does before root.d. */
const BEFORE_PHASES: readonly string[] = [
  'resolve elements; merge their files into the hooks tree ($TMP_HOOKS_PATH)',
  'read the block-device config; export DIB_ROOT_LABEL, DIB_ROOT_FSTYPE, DIB_BOOT_LABEL, DIB_MOUNTPOINTS',
]

/** What the core does after each phase; a new phase does not compile until it has a row. */
const AFTER_PHASE: Readonly<Record<PhaseName, readonly string[]>> = {
  root: [
    'check root.d produced a tree',
    'open the chroot: /proc, /dev, /dev/pts, read-only /sys, hooks at /tmp/in_target.d, host resolver, policy-rc.d',
  ],
  'extra-data': [],
  'pre-install': [],
  install: ['install the -p packages with install-packages'],
  'post-install': [],
  'post-root': [
    'close the chroot: stop leftover processes, unmount, restore resolv.conf and policy-rc.d',
  ],
  'block-device': [
    'size the image; create loop device, partitions, filesystems; mount them; write /etc/fstab; copy the tree in',
    'open the chroot on the mounted image',
  ],
  'pre-finalise': [],
  finalise: ['close the chroot'],
  cleanup: [
    'empty /tmp, truncate /var/log',
    'hygiene: empty machine-id, remove SSH host keys (regenerated at first boot), shell history; then check for build resolver, DIB_* secrets, leftovers',
    'write tree outputs (tar, tgz, squashfs, oci)',
    'unmount, detach the loop device',
    'write disk outputs (qcow2, raw, vhd, ...) and checksums',
    'boot test in QEMU (with --boot-test)',
  ],
}

export const BUILD_OUTLINE: readonly OutlineStep[] = [
  ...BEFORE_PHASES.map((core) => ({ core })),
  ...PHASE_NAMES.flatMap((phase): OutlineStep[] => [
    { phase },
    ...AFTER_PHASE[phase].map((core) => ({ core })),
  ]),
]
