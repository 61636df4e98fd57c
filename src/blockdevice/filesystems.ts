// Everything imagewright knows about a filesystem type, in one row per type: how mkfs is called,
// how labels and UUIDs are spelled, how the image is sized and released, which host package
// provides the tools, and what the built-in elements do with it (bootloader, growroot). A new
// type is one row here plus its tests (test/unit/blockdevice/filesystems.test.ts pins the shell
// elements and scripts/setup.sh to this table).

/** How mkfs takes a chosen UUID. */
type UuidSpelling =
  /** An RFC 4122 UUID after a flag: `-U <uuid>`, or a prefix such as xfs's `-m uuid=<uuid>`. */
  | { readonly kind: 'uuid'; readonly flag: string; readonly prefix?: string }
  /** A FAT volume id, 8 hex digits, written "1A2B-3C4D" and passed without the dash. */
  | { readonly kind: 'fat-volume-id'; readonly flag: string }

export interface FilesystemType {
  /** The program that makes it; its argv is `mkfs, ...opts, labelFlag, label, uuid, quiet, device`. */
  readonly mkfs: string
  /** The Debian package that provides `mkfs` (install hints, `imagewright doctor`, setup.sh). */
  readonly hostPackage: string
  readonly labelFlag: string
  /** Longest label in bytes (vfat: after upper-casing). */
  readonly labelLimit: number
  /** mkfs stores the label upper-case (mkfs.vfat), so the label is upper-cased up front. */
  readonly upperCaseLabel: boolean
  /** How mkfs takes a UUID; absent when imagewright cannot choose it. */
  readonly uuid?: UuidSpelling
  /** Flags after label and UUID that keep mkfs quiet. */
  readonly quiet: readonly string[]
  /** Environment mkfs needs (see btrfs). */
  readonly mkfsEnv?: Readonly<Record<string, string>>
  /** Holds owners, modes and symlinks, so it can be a Linux root. */
  readonly linuxRoot: boolean
  /** DIB's default root label for it (FS_TYPE with no ROOT_LABEL). */
  readonly defaultRootLabel: string
  /** A journal whose size (--mkfs-journal-size) the image size must make room for. */
  readonly sizedJournal: boolean
  /** Takes DIB's `-E resize=N` (--max-online-resize). */
  readonly onlineResizeOption: boolean
  /** fstrim it before unmounting so the sparse image stays small. */
  readonly trim: boolean
  /** When the kernel has no driver for it, it is mounted through this FUSE program. */
  readonly fuseFallback?: string
  /** Options for mounting it from an image that may hold a clone of it (customize). */
  readonly mountOptions: readonly string[]
  /** The GRUB module that reads a root of this type (elements/bootloader). */
  readonly grubModule?: string
  /** How elements/growroot grows a root of this type (elements/growroot). */
  readonly growCommand?: string
  /** What a build needs its mkfs for, as `imagewright doctor` says it. */
  readonly neededFor: string
}

const extFamily = (name: 'ext2' | 'ext3' | 'ext4'): FilesystemType => ({
  mkfs: `mkfs.${name}`,
  hostPackage: 'e2fsprogs',
  labelFlag: '-L',
  labelLimit: 16,
  upperCaseLabel: false,
  uuid: { kind: 'uuid', flag: '-U' },
  quiet: ['-q'],
  linuxRoot: true,
  defaultRootLabel: 'cloudimg-rootfs',
  sizedJournal: name === 'ext4',
  onlineResizeOption: true,
  trim: true,
  mountOptions: [],
  grubModule: 'ext2',
  growCommand: 'resize2fs',
  neededFor:
    name === 'ext4'
      ? 'ext4 roots (FS_TYPE=ext4, the default) and ext4 partitions in a layout'
      : `FS_TYPE=${name} roots and ${name} partitions`,
})

/** The types imagewright makes, by canonical name (see canonicalFsType). */
export type FilesystemName = 'ext4' | 'ext3' | 'ext2' | 'xfs' | 'btrfs' | 'vfat' | 'swap'

export const FILESYSTEMS: Readonly<Record<FilesystemName, FilesystemType>> = {
  ext4: extFamily('ext4'),
  ext3: extFamily('ext3'),
  ext2: extFamily('ext2'),
  xfs: {
    mkfs: 'mkfs.xfs',
    hostPackage: 'xfsprogs',
    labelFlag: '-L',
    labelLimit: 12,
    upperCaseLabel: false,
    uuid: { kind: 'uuid', flag: '-m', prefix: 'uuid=' },
    quiet: ['-q'],
    linuxRoot: true,
    // "cloudimg-rootfs" is longer than an xfs label may be.
    defaultRootLabel: 'img-rootfs',
    sizedJournal: false,
    onlineResizeOption: false,
    trim: true,
    // Two xfs filesystems with one UUID (an image and the host it was cloned from) cannot both
    // be mounted unless the second says nouuid.
    mountOptions: ['nouuid'],
    grubModule: 'xfs',
    growCommand: 'xfs_growfs',
    neededFor: 'FS_TYPE=xfs roots and xfs partitions',
  },
  btrfs: {
    mkfs: 'mkfs.btrfs',
    hostPackage: 'btrfs-progs',
    labelFlag: '-L',
    labelLimit: 255,
    upperCaseLabel: false,
    uuid: { kind: 'uuid', flag: '-U' },
    quiet: ['-q'],
    // mkfs.btrfs refuses a UUID that libblkid's cache lists for any device, and the cache trusts
    // an entry probed in the last 200 s: rebuilding an image with fixed UUIDs on the loop device
    // the last build released failed with "non-unique UUID". Without the cache every device is
    // probed afresh, so only a device that really holds the UUID now is a clash.
    mkfsEnv: { BLKID_FILE: '/dev/null' },
    linuxRoot: true,
    defaultRootLabel: 'cloudimg-rootfs',
    sizedJournal: false,
    onlineResizeOption: false,
    trim: true,
    mountOptions: [],
    grubModule: 'btrfs',
    growCommand: 'btrfs filesystem resize max',
    neededFor: 'FS_TYPE=btrfs roots and btrfs partitions',
  },
  vfat: {
    mkfs: 'mkfs.vfat',
    hostPackage: 'dosfstools',
    labelFlag: '-n',
    labelLimit: 11,
    upperCaseLabel: true,
    uuid: { kind: 'fat-volume-id', flag: '-i' },
    quiet: [],
    // No owners, modes or symlinks: copying a root tree onto it fails halfway through the build.
    linuxRoot: false,
    defaultRootLabel: 'cloudimg-rootfs',
    sizedJournal: false,
    onlineResizeOption: false,
    // DIB skips it too: fstrim is unreliable on FAT.
    trim: false,
    // Minimal VM and container kernels often lack the vfat driver (an ESP must still mount).
    fuseFallback: 'fusefat',
    mountOptions: [],
    grubModule: 'fat',
    neededFor: 'EFI system partitions (block-device-efi, block-device-efi-4k)',
  },
  swap: {
    mkfs: 'mkswap',
    hostPackage: 'util-linux',
    labelFlag: '-L',
    labelLimit: 16,
    upperCaseLabel: false,
    uuid: { kind: 'uuid', flag: '-U' },
    quiet: [],
    linuxRoot: false,
    defaultRootLabel: 'cloudimg-rootfs',
    sizedJournal: false,
    onlineResizeOption: false,
    trim: true,
    mountOptions: [],
    neededFor: 'swap partitions in a layout',
  },
}

/** Filesystems imagewright does not make but a layout may name; none of them can be a root. */
const FOREIGN_NON_ROOT: ReadonlySet<string> = new Set(['msdos', 'exfat', 'ntfs'])

/** The row for a canonical type, or undefined for a type only `mkfs -t` knows. */
export function filesystemType(type: string): FilesystemType | undefined {
  return Object.hasOwn(FILESYSTEMS, type) ? FILESYSTEMS[type as FilesystemName] : undefined
}

/** The Debian package that provides an mkfs program (mkfs.xfs → xfsprogs), if the table has it. */
export function packageOfMkfs(tool: string): string | undefined {
  return Object.values(FILESYSTEMS).find((row) => row.mkfs === tool)?.hostPackage
}

/** One spelling per filesystem type: DIB accepts "fat" for vfat. */
export function canonicalFsType(type: string): string {
  const lower = type.toLowerCase()
  return lower === 'fat' ? 'vfat' : lower
}

/** The types that can hold a Linux root, for messages such as "use ext4, xfs or btrfs". */
export function linuxRootTypes(): FilesystemName[] {
  return (Object.keys(FILESYSTEMS) as FilesystemName[]).filter(
    (name) => FILESYSTEMS[name].linuxRoot,
  )
}

/** Whether a (canonical) type cannot hold a Linux root. */
export function isNonRootType(type: string): boolean {
  const row = filesystemType(type)
  return row === undefined ? FOREIGN_NON_ROOT.has(type) : !row.linuxRoot
}

/** ext2, ext3 and ext4: mke2fs builds them, and can fill them from a directory (`-d`). */
export function isExtFamily(type: string): boolean {
  return type === 'ext2' || type === 'ext3' || type === 'ext4'
}
