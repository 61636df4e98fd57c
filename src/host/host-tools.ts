// Host programs a build calls, and the Debian package that provides each, so a missing tool
// is reported up front with the command that installs it. The mkfs programs are in the
// filesystem table (blockdevice/filesystems.ts).
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { HostRequirementError } from '../errors.ts'

export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  losetup: 'mount',
  mount: 'mount',
  umount: 'mount',
  findmnt: 'util-linux',
  partx: 'util-linux',
  blkid: 'util-linux',
  openssl: 'openssl',
  chroot: 'coreutils',
  du: 'coreutils',
  cp: 'coreutils',
  sfdisk: 'fdisk',
  sgdisk: 'gdisk',
  fusefat: 'fusefat',
  fstrim: 'util-linux',
  'qemu-img': 'qemu-utils',
  'qemu-system-x86_64': 'qemu-system-x86',
  mksquashfs: 'squashfs-tools',
  mmdebstrap: 'mmdebstrap',
  debootstrap: 'debootstrap',
  tar: 'tar',
  gzip: 'gzip',
  blkdiscard: 'util-linux',
  debugfs: 'e2fsprogs',
  dumpe2fs: 'e2fsprogs',
  mcopy: 'mtools',
  mmd: 'mtools',
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

export async function findTool(
  name: string,
  path: string = process.env['PATH'] ?? '',
): Promise<string | undefined> {
  const dirs = [...path.split(':').filter(Boolean), ...SEARCH_PATH]
  for (const dir of dirs) {
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined
}

/** Throw one error listing every missing tool and the apt-get line that installs them. */
export async function requireTools(names: Iterable<string>, why: string): Promise<void> {
  const missing: string[] = []
  for (const name of new Set(names)) if (!(await findTool(name))) missing.push(name)
  if (missing.length === 0) return
  const packages = [...new Set(missing.map((m) => TOOL_PACKAGES[m] ?? m))].sort()
  throw new HostRequirementError(
    `Cannot ${why}: missing host command(s) ${missing.map((m) => `"${m}"`).join(', ')}`,
    {
      hint: `Install them with: apt-get install ${packages.join(' ')}`,
    },
  )
}

export function requireRoot(why: string): void {
  if (process.getuid?.() !== 0) {
    throw new HostRequirementError(
      `Cannot ${why}: it needs root (loop devices, mounts and chroot)`,
      {
        hint: 'Run it as root, e.g. with sudo -E to keep your DIB_* settings',
      },
    )
  }
}
