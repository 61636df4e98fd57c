// The settings DIB documents: disk-image-create's options and the environment variables the
// core reads. Rows are in `--help` order; settings.ts joins them with imagewright's own.
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parseSectorSize } from '../util/sector-size.ts'
import type { InstallType } from './build-options.ts'
import { parseChecksumSpec } from './checksum-spec.ts'
import {
  isSet,
  pick,
  positive,
  positiveOr,
  settingError,
  switched,
  text,
  textOr,
  valued,
  type Env,
  type SettingRow,
  type SettingSource,
} from './setting.ts'

export function hostArch(nodeArch: string = process.arch): string {
  const table: Readonly<Record<string, string>> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ppc64: 'ppc64el',
    s390x: 's390x',
    ia32: 'i386',
  }
  return table[nodeArch] ?? nodeArch
}

/** What `-a`/ARCH may name: Debian's names and the kernel's (DIB's elements accept both). */
export const KNOWN_ARCHITECTURES = [
  'amd64',
  'x86_64',
  'i386',
  'i686',
  'arm64',
  'aarch64',
  'armhf',
  'armel',
  'ppc64el',
  'ppc64le',
  'ppc64',
  's390x',
  'riscv64',
] as const

function checkArch(arch: string, source: SettingSource): string {
  if ((KNOWN_ARCHITECTURES as readonly string[]).includes(arch)) return arch
  throw settingError(
    source,
    `names an unknown architecture "${arch}"; known architectures are ${KNOWN_ARCHITECTURES.join(', ')}`,
  )
}

function parseInstallType(value: string, source: SettingSource): InstallType {
  if (value === 'source' || value === 'package') return value
  throw settingError(source, `must be "source" or "package": got "${value}"`)
}

const homeCache = (env: Env, ...path: string[]): string =>
  join(env['HOME'] ?? homedir(), '.cache', ...path)
const split = (value: string, separator: RegExp | string): string[] =>
  value
    .split(separator)
    .map((p) => p.trim())
    .filter(Boolean)

const TYPES_FLAG = { short: 't', takesValue: true, arg: 'T1,T2' } as const

export const DIB_SETTINGS = {
  arch: valued({
    flag: { short: 'a', takesValue: true, arg: 'ARCH' },
    env: ['ARCH'],
    type: 'architecture',
    default: 'the host',
    help: 'Target architecture (default: the host, e.g. amd64)',
    origin: 'dib',
    parse: checkArch,
    fallback: () => hostArch(),
  }),
  imageName: textOr(
    {
      flag: { short: 'o', takesValue: true, arg: 'NAME' },
      type: 'name',
      default: 'image',
      help: 'Output file name without extension (default: image)',
      origin: 'dib',
    },
    () => 'image',
  ),
  imageTypes: {
    flag: TYPES_FLAG,
    env: ['IMAGE_TYPE'],
    type: 'list',
    default: 'qcow2',
    origin: 'dib',
    help: ({ imageTypes }) => `Output types: ${imageTypes.join(', ')} (default: qcow2)`,
    read: (given) => {
      const picked = pick(TYPES_FLAG, ['IMAGE_TYPE'], given) ?? {
        value: 'qcow2',
        source: { name: '-t', fromEnv: false },
      }
      const types = split(picked.value, ',')
      if (types.length === 0) throw settingError(picked.source, 'needs at least one output type')
      return types
    },
  } satisfies SettingRow<string[]>,
  debugTrace: {
    flag: { short: 'x', takesValue: false },
    env: ['DIB_DEBUG_TRACE'],
    type: 'count',
    default: '0',
    origin: 'dib',
    help: 'Trace the build (repeat for more)',
    read: (given) => (Number(given.env['DIB_DEBUG_TRACE'] ?? 0) || 0) + given.flags.length,
  } satisfies SettingRow<number>,
  uncompressed: {
    flag: { short: 'u', takesValue: false },
    env: ['COMPRESS_IMAGE'],
    type: 'switch',
    default: 'compressed',
    origin: 'dib',
    help: 'Do not compress qcow2 output',
    // COMPRESS_IMAGE set but empty is DIB's way to say "uncompressed".
    read: (given) => given.flags.length > 0 || given.env['COMPRESS_IMAGE'] === '',
  } satisfies SettingRow<boolean>,
  clearEnv: switched({
    flag: { short: 'c', takesValue: false },
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Give hook scripts a clean environment (keeps PATH, HOME, TERM and DIB_*, ELEMENTS_PATH)',
  }),
  skipBase: switched({
    flag: { short: 'n', takesValue: false },
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Do not add the base element',
  }),
  packages: {
    flag: { short: 'p', takesValue: true, arg: 'PKG[,PKG]' },
    type: 'list',
    default: '',
    origin: 'dib',
    help: 'Extra packages to install after install.d (repeatable)',
    read: (given) => given.flags.flatMap((p) => split(p, ',')),
  } satisfies SettingRow<string[]>,
  help: switched({
    flag: { short: 'h', long: 'help', takesValue: false },
    type: 'switch',
    default: '',
    origin: 'dib',
    help: 'Show this help',
  }),
  checksums: {
    flag: { long: 'checksum', takesValue: false },
    env: ['DIB_CHECKSUM'],
    type: 'md5,sha256 or 1',
    default: 'none',
    origin: 'dib',
    help: 'Write .md5 and .sha256 files beside each output',
    read: (given) =>
      given.flags.length > 0
        ? parseChecksumSpec('1')
        : parseChecksumSpec(given.env['DIB_CHECKSUM'], 'DIB_CHECKSUM'),
  } satisfies SettingRow<('md5' | 'sha256')[]>,
  imageSizeGiB: positive({
    flag: { long: 'image-size', takesValue: true, arg: 'GB' },
    env: ['DIB_IMAGE_SIZE'],
    type: 'GiB',
    default: 'automatic',
    origin: 'dib',
    help: 'Fixed image size in GiB (fractions allowed); disables automatic sizing',
  }),
  imageExtraSizeMiB: positive({
    flag: { long: 'image-extra-size', takesValue: true, arg: 'MiB' },
    env: ['DIB_IMAGE_EXTRA_SIZE'],
    type: 'MiB',
    default: 'none',
    origin: 'dib',
    help: 'Add this many MiB to the tree size instead of scaling it',
  }),
  imageCache: textOr(
    {
      flag: { long: 'image-cache', takesValue: true, arg: 'DIR' },
      env: ['DIB_IMAGE_CACHE'],
      type: 'path',
      default: '~/.cache/image-create',
      origin: 'dib',
      help: 'Cache directory (default ~/.cache/image-create)',
    },
    (env) => homeCache(env, 'image-create'),
  ),
  maxOnlineResize: text({
    flag: { long: 'max-online-resize', takesValue: true, arg: 'N' },
    env: ['MAX_ONLINE_RESIZE'],
    type: 'blocks',
    default: '',
    origin: 'dib',
    help: 'ext4 online resize limit in blocks',
  }),
  minTmpfsGiB: positiveOr(
    {
      flag: { long: 'min-tmpfs', takesValue: true, arg: 'GB' },
      env: ['DIB_MIN_TMPFS'],
      type: 'GiB',
      default: '2',
      origin: 'dib',
      help: 'Minimum tmpfs size; tmpfs is used only with twice that RAM (default 2)',
    },
    2,
  ),
  journalSizeMiB: positiveOr(
    {
      flag: { long: 'mkfs-journal-size', takesValue: true, arg: 'MiB' },
      env: ['DIB_JOURNAL_SIZE'],
      type: 'MiB',
      default: '64',
      origin: 'dib',
      help: 'ext4 journal size (default 64)',
    },
    64,
  ),
  mkfsOptions: valued({
    flag: { long: 'mkfs-options', takesValue: true, arg: 'OPTS' },
    env: ['MKFS_OPTS'],
    type: 'options',
    default: '',
    origin: 'dib',
    help: 'Extra options for the root filesystem mkfs',
    parse: (value) => value.split(/\s+/).filter(Boolean),
    fallback: (): string[] => [],
  }),
  noTmpfs: switched({
    flag: { long: 'no-tmpfs', takesValue: false },
    env: ['DIB_NO_TMPFS'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Never build in tmpfs',
  }),
  offline: switched({
    flag: { long: 'offline', takesValue: false },
    env: ['DIB_OFFLINE'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Do not refresh cached downloads',
  }),
  qemuImgOptions: text({
    flag: { long: 'qemu-img-options', takesValue: true, arg: 'k=v,...' },
    env: ['QEMU_IMG_OPTIONS'],
    type: 'options',
    default: '',
    origin: 'dib',
    help: 'Options for qemu-img convert (e.g. compat=0.10)',
  }),
  rootLabel: text({
    flag: { long: 'root-label', takesValue: true, arg: 'LABEL' },
    env: ['ROOT_LABEL'],
    type: 'label',
    default: 'cloudimg-rootfs',
    origin: 'dib',
    help: 'Root filesystem label (default cloudimg-rootfs; img-rootfs for xfs)',
  }),
  ramdiskElement: textOr(
    {
      flag: { long: 'ramdisk-element', takesValue: true, arg: 'E' },
      env: ['RAMDISK_ELEMENT'],
      type: 'element',
      default: 'ramdisk',
      origin: 'dib',
      help: 'Main element of ramdisk builds',
    },
    () => 'ramdisk',
  ),
  installType: valued({
    flag: { long: 'install-type', takesValue: true, arg: 'TYPE' },
    env: ['DIB_DEFAULT_INSTALLTYPE'],
    type: 'source or package',
    default: 'source',
    origin: 'dib',
    help: 'Default install type: source (default) or package',
    parse: parseInstallType,
    fallback: (): InstallType => 'source',
  }),
  dockerTarget: text({
    flag: { long: 'docker-target', takesValue: true, arg: 'REPO:TAG' },
    env: ['DOCKER_TARGET'],
    type: 'repo:tag',
    default: 'the image name',
    origin: 'dib',
    help: 'Tag for docker/OCI output (default: the image name)',
  }),
  logfile: text({
    flag: { long: 'logfile', takesValue: true, arg: 'FILE' },
    type: 'path',
    default: '',
    origin: 'dib',
    help: 'Append a timestamped log to FILE (implies DIB_QUIET=1 unless set)',
  }),
  version: switched({
    flag: { long: 'version', takesValue: false },
    type: 'switch',
    default: '',
    origin: 'dib',
    help: 'Print the version',
  }),
  // Environment only.
  quiet: {
    env: ['DIB_QUIET'],
    type: '0 or 1',
    default: '1 with --logfile, else 0',
    origin: 'dib',
    help: "Print only the log file's path and errors",
    read: (given) => (isSet(given.env['DIB_QUIET']) ? given.env['DIB_QUIET'] === '1' : undefined),
  } satisfies SettingRow<boolean | undefined>,
  noTimestamp: switched({
    env: ['DIB_NO_TIMESTAMP'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Log lines without timestamps',
  }),
  overwriteOldImage: switched({
    env: ['OVERWRITE_OLD_IMAGE'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Replace an existing output instead of moving it aside',
  }),
  fsType: textOr(
    {
      env: ['FS_TYPE'],
      type: 'filesystem',
      default: 'ext4',
      origin: 'dib',
      help: 'Root filesystem type (ext2/3/4, xfs, btrfs, vfat)',
    },
    () => 'ext4',
  ),
  elementsPath: {
    env: ['ELEMENTS_PATH'],
    type: 'paths',
    default: '',
    origin: 'dib',
    help: 'Colon-separated directories searched for elements before the built-in ones',
    read: (given) => (given.env['ELEMENTS_PATH'] ?? '').split(':').filter(Boolean),
  } satisfies SettingRow<string[]>,
  blockDeviceConfig: text({
    env: ['DIB_BLOCK_DEVICE_CONFIG'],
    type: 'YAML or file://PATH',
    default: "the layout element's",
    origin: 'dib',
    help: 'The block-device layout',
  }),
  blockDeviceParams: text({
    env: ['DIB_BLOCK_DEVICE_PARAMS_YAML'],
    type: 'path',
    default: '',
    origin: 'dib',
    help: 'Params file of `imagewright block-device` (as dib-block-device)',
  }),
  blockSize: valued({
    env: ['DIB_BLOCK_SIZE'],
    type: 'bytes',
    default: "the layout's block_size",
    origin: 'dib',
    help: 'Sector size of every loop device: 512 or 4096',
    parse: (value) => parseSectorSize(value, 'DIB_BLOCK_SIZE'),
    fallback: () => undefined,
  }),
  tmpDir: textOr(
    {
      env: ['TMPDIR', 'TMP_DIR'],
      type: 'path',
      default: '/tmp',
      origin: 'dib',
      help: 'Where the build makes its work directory',
    },
    () => '/tmp',
  ),
  lockfiles: textOr(
    {
      env: ['DIB_LOCKFILES'],
      type: 'path',
      default: '~/.cache/dib/lockfiles',
      origin: 'dib',
      help: 'Where elements keep flock files for shared caches',
    },
    (env) => join(env['HOME'] || '/root', '.cache', 'dib', 'lockfiles'),
  ),
  pythonExec: text({
    env: ['DIB_PYTHON_EXEC'],
    type: 'path',
    default: "the host's python3",
    origin: 'dib',
    help: 'The Python hook scripts run',
  }),
  gzipBin: text({
    env: ['DIB_GZIP_BIN'],
    type: 'command',
    default: 'gzip',
    origin: 'dib',
    help: 'The compressor of tgz and ramdisk outputs (e.g. pigz)',
  }),
  showImageUsage: switched({
    env: ['DIB_SHOW_IMAGE_USAGE'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Report the files over 10 MiB in the image',
  }),
  showImageUsageFull: switched({
    env: ['DIB_SHOW_IMAGE_USAGE_FULL'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'With DIB_SHOW_IMAGE_USAGE, report every file',
  }),
  runPartsRegex: valued({
    env: ['RUN_PARTS_REGEX'],
    type: 'regex',
    default: "DIB's script name rule",
    origin: 'dib',
    help: 'Which hook script names run',
    parse: (value, source) => {
      try {
        return new RegExp(value)
      } catch (error) {
        throw settingError(source, `is not a regular expression: ${(error as Error).message}`)
      }
    },
    fallback: () => undefined,
  }),
  breakPoints: {
    env: ['break'],
    type: 'list',
    default: '',
    origin: 'dib',
    help: 'Stop before-PHASE, after-PHASE or after-error and open a shell',
    read: (given): ReadonlySet<string> => new Set(split(given.env['break'] ?? '', ',')),
  } satisfies SettingRow<ReadonlySet<string>>,
  breakCommand: text({
    env: ['break_cmd'],
    type: 'command',
    default: 'bash',
    origin: 'dib',
    help: 'What a breakpoint runs instead of a shell',
  }),
  breakOutsideTarget: {
    env: ['break_outside_target'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Breakpoints open their shell on the host, not in the chroot',
    read: (given) => isSet(given.env['break_outside_target']),
  } satisfies SettingRow<boolean>,
  dumpConfigGraph: {
    env: ['DUMP_CONFIG_GRAPH'],
    type: 'switch',
    default: 'off',
    origin: 'dib',
    help: 'Write the block-device graph as Graphviz dot to /tmp/dib-block-device.dot',
    // Set at all, even empty.
    read: (given) => given.env['DUMP_CONFIG_GRAPH'] !== undefined,
  } satisfies SettingRow<boolean>,
  extraDetach: text({
    env: ['EXTRA_DETACH'],
    type: 'command',
    default: '',
    origin: 'dib',
    help: 'A command run when the image is released',
  }),
  extraUnmount: text({
    env: ['EXTRA_UNMOUNT'],
    type: 'command',
    default: '',
    origin: 'dib',
    help: 'A command run when the image is released, after EXTRA_DETACH',
  }),
  debootstrapCache: {
    env: ['DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE'],
    type: '0 or 1',
    default: '0',
    origin: 'dib',
    help: 'debootstrap reuses its tarball (the step cache keys on it too)',
    read: (given) => given.env['DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE'] === '1',
  } satisfies SettingRow<boolean>,
  aptLocalCache: {
    env: ['DIB_APT_LOCAL_CACHE'],
    type: '0 or 1',
    default: '1',
    origin: 'dib',
    help: 'Keep downloaded .deb files in DIB_IMAGE_CACHE/apt/DISTRO_NAME for later builds',
    read: (given) => given.env['DIB_APT_LOCAL_CACHE'] !== '0',
  } satisfies SettingRow<boolean>,
} as const
