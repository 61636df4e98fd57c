// Fail before any work when the host cannot do the build: not root, or tools missing.
import type { BuildOptions } from '../config/build-options.ts'
import { requireRoot, requireTools } from '../host/host-tools.ts'
import { resolveOutputFormats } from '../output/formats.ts'

export async function checkHost(options: BuildOptions): Promise<void> {
  resolveOutputFormats(options.imageTypes)
  requireRoot('build an image')
  const tools = ['losetup', 'mount', 'umount', 'findmnt', 'partx', 'chroot', 'du', 'cp', 'sfdisk', `mkfs.${options.fsType}`]
  const diskTypes = options.imageTypes.filter((t) => !['tar', 'tgz', 'squashfs', 'docker', 'oci', 'raw'].includes(t))
  if (diskTypes.length > 0) tools.push('qemu-img')
  if (options.imageTypes.includes('squashfs')) tools.push('mksquashfs')
  if (options.bootTest) tools.push('qemu-system-x86_64', 'qemu-img')
  await requireTools(tools, 'build an image')
}
