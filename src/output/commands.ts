// Pure argv builders for the tools that write output files. Nothing here touches the disk, so
// every flag we pass can be table-tested.
import { ConfigError } from '../errors.ts'
import { roundUpToMiB, type QemuTarget } from './formats.ts'

export type Argv = readonly [string, ...string[]]

// Mount points whose contents belong to the build host, never to the image.
const HOST_ONLY_DIRS = ['proc', 'sys'] as const

export interface QemuImgPlan {
  readonly source: string
  /** Size of the raw source in bytes; needed when the target size must be rounded. */
  readonly sourceBytes: number
  readonly target: string
  readonly qemu: QemuTarget
  readonly uncompressed: boolean
  /** QEMU_IMG_OPTIONS / --qemu-img-options, e.g. `compat=0.10`. */
  readonly userOptions?: string | undefined
  /**
   * `-W`: let qemu-img write clusters out of order. Faster, but a compressed qcow2 then
   * stores its clusters in whatever order they finished: off for reproducible outputs.
   */
  readonly outOfOrder?: boolean | undefined
  /** qcow2's compression_type (IMAGEWRIGHT_QCOW2_COMPRESSION); qemu-img's default is zlib. */
  readonly compressionType?: QcowCompression | undefined
}

export const QCOW_COMPRESSIONS = ['zlib', 'zstd'] as const
export type QcowCompression = (typeof QCOW_COMPRESSIONS)[number]

export function joinQemuOptions(
  defaults: readonly string[],
  userOptions: string | undefined,
): string | undefined {
  const parts = [...defaults]
  const user = userOptions?.trim()
  if (user) parts.push(user)
  return parts.length > 0 ? parts.join(',') : undefined
}

/**
 * The qemu-img commands that turn a raw image into `plan.target`. Usually one convert; when the
 * virtual size must be rounded up, the target is created at the rounded size first and the raw
 * data converted into it (`-n`), since qemu-img cannot pad while converting.
 */
export function planQemuImgCommands(plan: QemuImgPlan): Argv[] {
  const { qemu } = plan
  const compressing = qemu.compressible && !plan.uncompressed
  const compressionType =
    compressing && qemu.format === 'qcow2' && plan.compressionType !== undefined
      ? [`compression_type=${plan.compressionType}`]
      : []
  // the user's options come last, so their own compression_type wins
  const options = joinQemuOptions([...qemu.options, ...compressionType], plan.userOptions)
  const compress = compressing ? ['-c'] : []
  const outOfOrder = plan.outOfOrder === true ? ['-W'] : []
  if (!qemu.alignToMiB) {
    return [
      [
        'qemu-img',
        'convert',
        ...outOfOrder,
        '-f',
        'raw',
        '-O',
        qemu.format,
        ...compress,
        ...(options === undefined ? [] : ['-o', options]),
        plan.source,
        plan.target,
      ],
    ]
  }
  const size = roundUpToMiB(plan.sourceBytes)
  return [
    [
      'qemu-img',
      'create',
      '-q',
      '-f',
      qemu.format,
      ...(options === undefined ? [] : ['-o', options]),
      plan.target,
      String(size),
    ],
    // The fresh target reads as zeros, so qemu-img may skip zero runs and keep it sparse
    [
      'qemu-img',
      'convert',
      ...outOfOrder,
      '-n',
      '--target-is-zero',
      '-f',
      'raw',
      '-O',
      qemu.format,
      ...compress,
      plan.source,
      plan.target,
    ],
  ]
}

export interface TarPlan {
  readonly root: string
  readonly archive: string
  /** Paths to pack, relative to root; `['.']` (the default) packs the whole tree as `./…`. */
  readonly members?: readonly string[]
  readonly sourceDateEpoch?: number | undefined
}

export function buildTarArgv(plan: TarPlan): Argv {
  const members = plan.members ?? ['.']
  const prefix = members.every((member) => member === '.') ? './' : ''
  const reproducible =
    plan.sourceDateEpoch === undefined ? [] : [`--mtime=@${plan.sourceDateEpoch}`, '--clamp-mtime']
  return [
    'tar',
    '--create',
    `--file=${plan.archive}`,
    `--directory=${plan.root}`,
    // xattrs need pax headers; drop the per-run noise (atime, ctime, pid in header names)
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '--sort=name',
    ...reproducible,
    // keep the empty mount point directories, drop what the host mounted on them
    '--anchored',
    ...HOST_ONLY_DIRS.map((dir) => `--exclude=${prefix}${dir}/*`),
    '--',
    ...members,
  ]
}

/**
 * Compress `file` to `file.gz` at level 9 without storing name or time. `gzipBin` is
 * DIB_GZIP_BIN, which like in diskimage-builder may carry its own arguments (`pigz -p 4`).
 */
export function buildGzipArgv(
  file: string,
  options: { gzipBin?: string | undefined; keep: boolean },
): Argv {
  const words = (options.gzipBin ?? '')
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0)
  const [command = 'gzip', ...args] = words
  return [command, ...args, '-9', '-n', '-f', ...(options.keep ? ['-k'] : []), file]
}

export interface SquashfsPlan {
  readonly root: string
  readonly target: string
  readonly sourceDateEpoch?: number | undefined
}

export function buildMksquashfsArgv(plan: SquashfsPlan): Argv {
  const epoch = plan.sourceDateEpoch
  const times = epoch === undefined ? [] : ['-mkfs-time', String(epoch), '-all-time', String(epoch)]
  return [
    'mksquashfs',
    plan.root,
    plan.target,
    '-comp',
    'xz',
    '-noappend',
    '-no-recovery',
    '-no-progress',
    ...times,
    '-wildcards',
    // -e takes every remaining argument as an exclude pattern, so it must stay last
    '-e',
    ...HOST_ONLY_DIRS.map((dir) => `${dir}/*`),
  ]
}

/** Copy keeping holes (a raw image is mostly zeros), sharing extents where the fs can. */
export function buildSparseCopyArgv(source: string, target: string): Argv {
  return ['cp', '--sparse=always', '--reflink=auto', '--', source, target]
}

export interface LayoutPackPlan {
  readonly layoutDir: string
  readonly archive: string
  readonly members: readonly string[]
  /** Seconds since the epoch stamped on every entry, so equal layouts give equal archives. */
  readonly mtime: number
}

/** Pack an OCI layout directory: entries owned by root, sorted, with one fixed time. */
export function buildLayoutPackArgv(plan: LayoutPackPlan): Argv {
  return [
    'tar',
    '--create',
    `--file=${plan.archive}`,
    `--directory=${plan.layoutDir}`,
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=u=rwX,go=rX',
    `--mtime=@${plan.mtime}`,
    '--sort=name',
    '--',
    ...plan.members,
  ]
}

/** IMAGEWRIGHT_QCOW2_COMPRESSION, checked: undefined leaves qemu-img's default (zlib). */
export function parseQcowCompression(value: string | undefined): QcowCompression | undefined {
  if (value === undefined || value === '') return undefined
  const found = QCOW_COMPRESSIONS.find((name) => name === value)
  if (found !== undefined) return found
  throw new ConfigError(
    `IMAGEWRIGHT_QCOW2_COMPRESSION is "${value}"; it must be one of: ${QCOW_COMPRESSIONS.join(', ')}`,
    { hint: 'zstd decompresses faster and compresses about as well; QEMU 5.1 or newer reads it' },
  )
}
