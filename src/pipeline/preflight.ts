// Fail before any work when the host cannot do the build: not root, or tools missing.
import { readSetting } from '../config/settings.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { HostRequirementError, UsageError } from '../errors.ts'
import { packageOfMkfs } from '../blockdevice/filesystems.ts'
import { findTool, requireRoot, requireTools } from '../host/host-tools.ts'
import { resolveOutputFormats } from '../output/formats.ts'

export async function checkHost(options: BuildOptions): Promise<void> {
  resolveOutputFormats(options.imageTypes)
  checkOutputDirectory(options.imageName)
  requireRoot('build an image')
  await requireRootMkfs(options.fsType)
  const tools = ['losetup', 'mount', 'umount', 'findmnt', 'partx', 'chroot', 'du', 'cp', 'sfdisk']
  const diskTypes = options.imageTypes.filter(
    (t) => !['tar', 'tgz', 'squashfs', 'docker', 'oci', 'raw'].includes(t),
  )
  if (diskTypes.length > 0) tools.push('qemu-img')
  if (options.imageTypes.includes('squashfs')) tools.push('mksquashfs')
  if (options.bootTest) tools.push('qemu-system-x86_64', 'qemu-img')
  // SOURCE_DATE_EPOCH rebuilds ext and FAT filesystems from their trees (pipeline/reproducible-disk.ts)
  if (readSetting(options.env, 'sourceDateEpoch') !== undefined)
    tools.push('blkdiscard', 'debugfs', 'dumpe2fs', 'mcopy', 'mmd')
  await requireTools(tools, 'build an image')
}

// FS_TYPE is free text (DIB passes it to mkfs -t), so a missing mkfs is often a typo in it.
export async function requireRootMkfs(
  fsType: string,
  find: (tool: string) => Promise<string | undefined> = findTool,
): Promise<void> {
  const mkfs = `mkfs.${fsType}`
  if (await find(mkfs)) return
  const debianPackage = packageOfMkfs(mkfs)
  throw new HostRequirementError(
    `Cannot make the root filesystem: FS_TYPE is "${fsType}" and "${mkfs}" is not installed`,
    {
      hint:
        debianPackage === undefined
          ? `Check FS_TYPE (ext4, xfs, btrfs, vfat...), or install the package that provides "${mkfs}"`
          : `Install it with: apt-get install ${debianPackage}`,
    },
  )
}

/** The directory of -o must exist, as for DIB: a typo must not create directories as root. */
export function checkOutputDirectory(imageName: string): void {
  const dir = dirname(resolve(imageName))
  const found = statSync(dir, { throwIfNoEntry: false })
  if (found?.isDirectory()) return
  throw new UsageError(
    `Option "-o" names "${imageName}", but ${found ? `"${dir}" is not a directory` : `the directory "${dir}" does not exist`}`,
    {
      hint: `Create "${dir}" first, or pick an image name in an existing directory`,
    },
  )
}
