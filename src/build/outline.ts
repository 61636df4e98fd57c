// The build's order of work as `plan` shows it: DIB's phases interleaved with what the core
// does between them. build-image.ts is the code; this is its table of contents for users.
import type { PhaseName } from '../phases/phase-table.ts'

export type OutlineStep = { readonly phase: PhaseName } | { readonly core: string }

export const BUILD_OUTLINE: readonly OutlineStep[] = [
  { core: 'resolve elements; merge their files into the hooks tree ($TMP_HOOKS_PATH)' },
  { core: 'read the block-device config; export DIB_ROOT_LABEL, DIB_ROOT_FSTYPE, DIB_BOOT_LABEL, DIB_MOUNTPOINTS' },
  { phase: 'root' },
  { core: 'check root.d produced a tree' },
  { core: 'open the chroot: /proc, /dev, /dev/pts, read-only /sys, hooks at /tmp/in_target.d, host resolver, policy-rc.d' },
  { phase: 'extra-data' },
  { phase: 'pre-install' },
  { phase: 'install' },
  { core: 'install the -p packages with install-packages' },
  { phase: 'post-install' },
  { phase: 'post-root' },
  { core: 'close the chroot: stop leftover processes, unmount, restore resolv.conf and policy-rc.d' },
  { phase: 'block-device' },
  { core: 'size the image; create loop device, partitions, filesystems; mount them; write /etc/fstab; copy the tree in' },
  { core: 'open the chroot on the mounted image' },
  { phase: 'pre-finalise' },
  { phase: 'finalise' },
  { core: 'close the chroot' },
  { phase: 'cleanup' },
  { core: 'empty /tmp, truncate /var/log' },
  { core: 'hygiene: empty machine-id, remove SSH host keys (regenerated at first boot), shell history; then check for build resolver, DIB_* secrets, leftovers' },
  { core: 'write tree outputs (tar, tgz, squashfs, oci)' },
  { core: 'unmount, detach the loop device' },
  { core: 'write disk outputs (qcow2, raw, vhd, ...) and checksums' },
  { core: 'boot test in QEMU (with --boot-test)' },
]
