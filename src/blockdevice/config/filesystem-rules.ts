// The config rules about filesystem types, worded for messages; the facts come from the
// filesystem table (../filesystems.ts).
import { canonicalFsType, filesystemType, isNonRootType } from '../filesystems.ts'

export { canonicalFsType }

/** The label as it ends up on disk: mkfs.vfat stores labels upper-case, so we do it up front. */
export function effectiveLabel(type: string, label: string): string {
  return filesystemType(type)?.upperCaseLabel === true ? label.toUpperCase() : label
}

/** Why a label cannot be used for a type, or undefined when it can. */
export function describeLabelProblem(type: string, label: string): string | undefined {
  if (label === '') return 'a label cannot be empty'
  if (/[\n\t]/.test(label)) return 'a label cannot contain tabs or line breaks'
  const limit = filesystemType(type)?.labelLimit
  const length = Buffer.byteLength(label, 'utf8')
  if (limit !== undefined && length > limit) {
    return `it is ${length} characters long, and ${type} labels are at most ${limit}`
  }
  return undefined
}

/** DIB's default root label: xfs labels are too short for "cloudimg-rootfs". */
export function defaultRootLabel(type: string): string {
  return filesystemType(type)?.defaultRootLabel ?? 'cloudimg-rootfs'
}

// Filesystems without POSIX owners, modes or symlinks: copying a root tree onto one fails
// halfway through the build, so a root of such a type is refused when the layout is read.
/** Why a filesystem type cannot hold a Linux root, or undefined when it can. */
export function describeRootTypeProblem(type: string): string | undefined {
  if (!isNonRootType(type)) return undefined
  return 'it cannot hold symlinks, owners or permissions, which a Linux root needs; use ext4, xfs or btrfs'
}
