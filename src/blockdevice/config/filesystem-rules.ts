// Facts about filesystem types the config rules and mkfs argv builders share.

/** Longest label each filesystem accepts, in bytes (vfat after upper-casing). */
export const LABEL_LIMITS: Readonly<Record<string, number>> = {
  ext2: 16,
  ext3: 16,
  ext4: 16,
  xfs: 12,
  vfat: 11,
  swap: 16,
  btrfs: 255,
}

/** One spelling per filesystem type: DIB accepts "fat" for vfat. */
export function canonicalFsType(type: string): string {
  const lower = type.toLowerCase()
  return lower === 'fat' ? 'vfat' : lower
}

export function isExtFamily(type: string): boolean {
  return type === 'ext2' || type === 'ext3' || type === 'ext4'
}

/** The label as it ends up on disk: mkfs.vfat stores labels upper-case, so we do it up front. */
export function effectiveLabel(type: string, label: string): string {
  return type === 'vfat' ? label.toUpperCase() : label
}

/** Why a label cannot be used for a type, or undefined when it can. */
export function describeLabelProblem(type: string, label: string): string | undefined {
  if (label === '') return 'a label cannot be empty'
  if (/[\n\t]/.test(label)) return 'a label cannot contain tabs or line breaks'
  const limit = LABEL_LIMITS[type]
  const length = Buffer.byteLength(label, 'utf8')
  if (limit !== undefined && length > limit) {
    return `it is ${length} characters long, and ${type} labels are at most ${limit}`
  }
  return undefined
}

/** DIB's default root label: xfs labels are too short for "cloudimg-rootfs". */
export function defaultRootLabel(type: string): string {
  return type === 'xfs' ? 'img-rootfs' : 'cloudimg-rootfs'
}

// Filesystems without POSIX owners, modes or symlinks: copying a root tree onto one fails
// halfway through the build, so a root of such a type is refused when the layout is read.
const NOT_A_ROOT: ReadonlySet<string> = new Set(['vfat', 'msdos', 'exfat', 'ntfs'])

/** Why a filesystem type cannot hold a Linux root, or undefined when it can. */
export function describeRootTypeProblem(type: string): string | undefined {
  if (!NOT_A_ROOT.has(type)) return undefined
  return 'it cannot hold symlinks, owners or permissions, which a Linux root needs; use ext4, xfs or btrfs'
}
