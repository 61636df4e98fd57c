// disk-image-create's command line and environment, as DIB documents them, turned into
// BuildOptions. One table drives parsing and help. Where DIB rejects options it documents
// (--image-extra-size, --mkfs-journal-size) or ignores settings (MKFS_OPTS), we honour them.
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BuildOptions, InstallType } from '../config/build-options.ts'
import { ConfigError, UsageError } from '../errors.ts'
import { DEFAULT_IMAGE_TYPES, listImageTypes, resolveOutputFormats } from '../output/formats.ts'
import { parseChecksumSpec } from '../output/checksum.ts'
import { getopt, type OptionSpec } from './getopt.ts'
import { parseSectorSize } from '../util/sector-size.ts'

interface DibOption extends OptionSpec {
  readonly help: string
  readonly arg?: string
}

export const DIB_OPTIONS = {
  arch: { short: 'a', takesValue: true, arg: 'ARCH', help: 'Target architecture (default: the host, e.g. amd64)' },
  output: { short: 'o', takesValue: true, arg: 'NAME', help: 'Output file name without extension (default: image)' },
  types: { short: 't', takesValue: true, arg: 'T1,T2', help: `Output types: ${listImageTypes().join(', ')} (default: ${DEFAULT_IMAGE_TYPES.join(',')})` },
  trace: { short: 'x', takesValue: false, help: 'Trace the build (repeat for more)' },
  uncompressed: { short: 'u', takesValue: false, help: 'Do not compress qcow2 output' },
  clearEnv: { short: 'c', takesValue: false, help: 'Give hook scripts a clean environment (keeps PATH, HOME, TERM and DIB_*, ELEMENTS_PATH)' },
  skipBase: { short: 'n', takesValue: false, help: 'Do not add the base element' },
  packages: { short: 'p', takesValue: true, arg: 'PKG[,PKG]', help: 'Extra packages to install after install.d (repeatable)' },
  help: { short: 'h', long: 'help', takesValue: false, help: 'Show this help' },
  checksum: { long: 'checksum', takesValue: false, help: 'Write .md5 and .sha256 files beside each output' },
  imageSize: { long: 'image-size', takesValue: true, arg: 'GB', help: 'Fixed image size in GiB (fractions allowed); disables automatic sizing' },
  imageExtraSize: { long: 'image-extra-size', takesValue: true, arg: 'MiB', help: 'Add this many MiB to the tree size instead of scaling it' },
  imageCache: { long: 'image-cache', takesValue: true, arg: 'DIR', help: 'Cache directory (default ~/.cache/image-create)' },
  maxOnlineResize: { long: 'max-online-resize', takesValue: true, arg: 'N', help: 'ext4 online resize limit in blocks' },
  minTmpfs: { long: 'min-tmpfs', takesValue: true, arg: 'GB', help: 'Minimum tmpfs size; tmpfs is used only with twice that RAM (default 2)' },
  journalSize: { long: 'mkfs-journal-size', takesValue: true, arg: 'MiB', help: 'ext4 journal size (default 64)' },
  mkfsOptions: { long: 'mkfs-options', takesValue: true, arg: 'OPTS', help: 'Extra options for the root filesystem mkfs' },
  noTmpfs: { long: 'no-tmpfs', takesValue: false, help: 'Never build in tmpfs' },
  offline: { long: 'offline', takesValue: false, help: 'Do not refresh cached downloads' },
  qemuImgOptions: { long: 'qemu-img-options', takesValue: true, arg: 'k=v,...', help: 'Options for qemu-img convert (e.g. compat=0.10)' },
  rootLabel: { long: 'root-label', takesValue: true, arg: 'LABEL', help: 'Root filesystem label (default cloudimg-rootfs; img-rootfs for xfs)' },
  ramdiskElement: { long: 'ramdisk-element', takesValue: true, arg: 'E', help: 'Main element of ramdisk builds' },
  installType: { long: 'install-type', takesValue: true, arg: 'TYPE', help: 'Default install type: source (default) or package' },
  dockerTarget: { long: 'docker-target', takesValue: true, arg: 'REPO:TAG', help: 'Tag for docker/OCI output (default: the image name)' },
  logfile: { long: 'logfile', takesValue: true, arg: 'FILE', help: 'Append a timestamped log to FILE (implies DIB_QUIET=1 unless set)' },
  version: { long: 'version', takesValue: false, help: 'Print the version' },
  bootTest: { long: 'boot-test', takesValue: false, help: 'Boot the result under QEMU and wait for a login prompt (imagewright)' },
  jsonLog: { long: 'json-log', takesValue: true, arg: 'FILE', help: 'Also write every build event as JSON lines to FILE (imagewright)' },
  noCache: { long: 'no-cache', takesValue: false, help: 'Neither reuse nor store cached build steps (imagewright; also IMAGEWRIGHT_NO_CACHE=1)' },
  htmlReport: { long: 'html-report', takesValue: true, arg: 'FILE', help: 'Write an HTML report with a timeline of the build to FILE, also on failure (imagewright)' },
} as const satisfies Record<string, DibOption>

export type DibOptionKey = keyof typeof DIB_OPTIONS

export type DibCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'build'; readonly options: BuildOptions }

const ENV_FLAG_TRUE = (value: string | undefined): boolean =>
  value !== undefined && value !== '' && value !== '0'

export function hostArch(nodeArch: string = process.arch): string {
  const table: Readonly<Record<string, string>> = {
    x64: 'amd64', arm64: 'arm64', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x', ia32: 'i386',
  }
  return table[nodeArch] ?? nodeArch
}

/** What `-a`/ARCH may name: Debian's names and the kernel's (DIB's elements accept both). */
export const KNOWN_ARCHITECTURES = [
  'amd64', 'x86_64', 'i386', 'i686', 'arm64', 'aarch64', 'armhf', 'armel', 'ppc64el', 'ppc64le', 'ppc64', 's390x', 'riscv64',
] as const

function checkArch(arch: string, source: SettingSource): string {
  if ((KNOWN_ARCHITECTURES as readonly string[]).includes(arch)) return arch
  throw settingError(source, `names an unknown architecture "${arch}"; known architectures are ${KNOWN_ARCHITECTURES.join(', ')}`)
}

/**
 * Where a setting came from, so an error names what the user typed: a bad option is a usage
 * error (exit 2), a bad environment variable a configuration error (exit 3).
 */
interface SettingSource {
  readonly name: string
  readonly fromEnv: boolean
}

function settingError(source: SettingSource, problem: string): UsageError | ConfigError {
  return source.fromEnv
    ? new ConfigError(`${source.name} ${problem}`)
    : new UsageError(`Option "${source.name}" ${problem}`)
}

function parsePositiveNumber(source: SettingSource, value: string): number {
  const n = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0) {
    throw settingError(source, `needs a positive number: got "${value}"`)
  }
  return n
}

function parseInstallType(value: string, source: SettingSource): InstallType {
  if (value === 'source' || value === 'package') return value
  throw settingError(source, `must be "source" or "package": got "${value}"`)
}

// An unknown -t type is a usage error, reported before anything else is checked.
function checkImageTypes(types: readonly string[], source: SettingSource): void {
  try {
    resolveOutputFormats(types)
  } catch (error) {
    if (!(error instanceof ConfigError) || source.fromEnv) throw error
    throw new UsageError(error.message, { hint: error.hint, cause: error })
  }
}

const SPEC_KEYS = new Map<OptionSpec, DibOptionKey>(
  Object.entries(DIB_OPTIONS).map(([key, spec]) => [spec, key as DibOptionKey]),
)

/** Parse disk-image-create's argv with the environment it runs in. */
export function parseDibCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  mode: 'disk' | 'ramdisk' = 'disk',
): DibCommand {
  const { options, operands } = getopt(argv, Object.values(DIB_OPTIONS))
  const seen = new Map<DibOptionKey, string[]>()
  let trace = Number(env['DIB_DEBUG_TRACE'] ?? 0) || 0
  for (const option of options) {
    const key = SPEC_KEYS.get(option.spec)
    if (!key) continue
    if (key === 'help') return { kind: 'help' }
    if (key === 'version') return { kind: 'version' }
    if (key === 'trace') trace++
    seen.set(key, [...(seen.get(key) ?? []), option.value ?? ''])
  }
  const last = (key: DibOptionKey): string | undefined => seen.get(key)?.at(-1)
  const has = (key: DibOptionKey): boolean => seen.has(key)

  if (operands.length === 0) {
    throw new UsageError('At least one distribution root element must be specified', {
      hint: 'For example: disk-image-create -o debian debian-minimal vm',
    })
  }

  // The option wins over the environment variable; either way, errors name the one used.
  const setting = (key: DibOptionKey, envName: string): { value: string; source: SettingSource } | undefined => {
    const fromCli = last(key)
    if (fromCli !== undefined) return { value: fromCli, source: { name: optionName(key), fromEnv: false } }
    // Like DIB's ${VAR:-default}, an empty variable counts as unset.
    const fromEnv = env[envName]
    return fromEnv === undefined || fromEnv === '' ? undefined : { value: fromEnv, source: { name: envName, fromEnv: true } }
  }
  const positive = (key: DibOptionKey, envName: string): number | undefined => {
    const given = setting(key, envName)
    return given === undefined || given.value === '' ? undefined : parsePositiveNumber(given.source, given.value)
  }

  const archSetting = (): string => {
    const given = setting('arch', 'ARCH')
    return given === undefined ? hostArch() : checkArch(given.value, given.source)
  }
  const typesSetting = setting('types', 'IMAGE_TYPE') ?? { value: 'qcow2', source: { name: '-t', fromEnv: false } }
  const types = typesSetting.value.split(',').map((t) => t.trim()).filter(Boolean)
  if (types.length === 0) throw settingError(typesSetting.source, 'needs at least one output type')
  checkImageTypes(types, typesSetting.source)

  const imageSizeGiB = positive('imageSize', 'DIB_IMAGE_SIZE')
  const installType = setting('installType', 'DIB_DEFAULT_INSTALLTYPE') ?? { value: 'source', source: { name: '--install-type', fromEnv: false } }
  const mkfsOptions = last('mkfsOptions') ?? env['MKFS_OPTS'] ?? ''
  const logfile = last('logfile')
  const quietEnv = env['DIB_QUIET']
  const envStrings: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envStrings[k] = v

  // ramdisk-image-create puts its main element (default "ramdisk") in front of the others.
  const ramdiskElement = mode === 'ramdisk' ? (last('ramdiskElement') ?? (env['RAMDISK_ELEMENT'] || 'ramdisk')) : undefined
  const options_: BuildOptions = {
    elements: ramdiskElement === undefined ? operands : [ramdiskElement, ...operands],
    ramdiskElement,
    imageName: stripSingleTypeSuffix(last('output') ?? 'image', types),
    imageTypes: types,
    arch: archSetting(),
    debugTrace: trace,
    uncompressed: has('uncompressed') || env['COMPRESS_IMAGE'] === '',
    skipBase: has('skipBase'),
    packages: (seen.get('packages') ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean),
    checksums: has('checksum') ? ['md5', 'sha256'] : parseChecksumSpec(env['DIB_CHECKSUM'], 'DIB_CHECKSUM'),
    imageSizeBytes: imageSizeGiB === undefined ? undefined : Math.round(imageSizeGiB * 1024 ** 3),
    imageExtraSizeMiB: positive('imageExtraSize', 'DIB_IMAGE_EXTRA_SIZE'),
    imageCache: last('imageCache') ?? env['DIB_IMAGE_CACHE'] ?? join(env['HOME'] ?? homedir(), '.cache', 'image-create'),
    maxOnlineResize: last('maxOnlineResize') ?? env['MAX_ONLINE_RESIZE'] ?? undefined,
    minTmpfsGiB: positive('minTmpfs', 'DIB_MIN_TMPFS') ?? 2,
    journalSizeMiB: positive('journalSize', 'DIB_JOURNAL_SIZE') ?? 64,
    mkfsOptions: mkfsOptions.split(/\s+/).filter(Boolean),
    noTmpfs: has('noTmpfs') || ENV_FLAG_TRUE(env['DIB_NO_TMPFS']),
    offline: has('offline') || ENV_FLAG_TRUE(env['DIB_OFFLINE']),
    qemuImgOptions: last('qemuImgOptions') ?? (env['QEMU_IMG_OPTIONS'] || undefined),
    rootLabel: last('rootLabel') ?? (env['ROOT_LABEL'] || undefined),
    fsType: env['FS_TYPE'] || 'ext4',
    installType: parseInstallType(installType.value, installType.source),
    dockerTarget: last('dockerTarget') ?? (env['DOCKER_TARGET'] || undefined),
    logfile,
    quiet: quietEnv === undefined || quietEnv === '' ? logfile !== undefined : quietEnv === '1',
    noTimestamp: ENV_FLAG_TRUE(env['DIB_NO_TIMESTAMP']),
    overwriteOldImage: ENV_FLAG_TRUE(env['OVERWRITE_OLD_IMAGE']),
    elementsPath: (env['ELEMENTS_PATH'] ?? '').split(':').filter(Boolean),
    blockDeviceConfig: env['DIB_BLOCK_DEVICE_CONFIG'] || undefined,
    blockSize: env['DIB_BLOCK_SIZE'] ? parseSectorSize(env['DIB_BLOCK_SIZE'], 'DIB_BLOCK_SIZE') : undefined,
    tmpDir: env['TMPDIR'] || env['TMP_DIR'] || '/tmp',
    env: has('clearEnv') ? clearedEnv(envStrings) : envStrings,
    args: argv,
    bootTest: has('bootTest'),
    jsonLog: last('jsonLog') ?? (env['IMAGEWRIGHT_JSON_LOG'] || undefined),
    htmlReport: last('htmlReport') ?? (env['IMAGEWRIGHT_HTML_REPORT'] || undefined),
    uuidSeed: env['IMAGEWRIGHT_UUID_SEED'] || undefined,
    noCache: has('noCache'),
  }
  return { kind: 'build', options: options_ }
}

function optionName(key: DibOptionKey): string {
  const spec: OptionSpec = DIB_OPTIONS[key]
  return spec.long ? `--${spec.long}` : `-${spec.short ?? ''}`
}

/** DIB strips a trailing ".<type>" from -o when exactly one type is requested. */
export function stripSingleTypeSuffix(name: string, types: readonly string[]): string {
  const [only] = types
  if (types.length === 1 && only && name.endsWith(`.${only}`)) return name.slice(0, -(only.length + 1))
  return name
}

// DIB's -c re-executes itself with an empty environment and loses its own settings (a known
// bug). We keep what a build needs and drop the rest.
function clearedEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    if (['PATH', 'HOME', 'TERM', 'LANG', 'ELEMENTS_PATH', 'TMPDIR'].includes(key) || key.startsWith('DIB_')) kept[key] = value
  }
  return kept
}

export function renderDibHelp(program: string): string {
  const lines = [`Usage: ${program} [OPTION]... [ELEMENT]...`, '', 'Options:']
  for (const spec of Object.values(DIB_OPTIONS) as readonly DibOption[]) {
    const flags = [spec.short ? `-${spec.short}` : undefined, spec.long ? `--${spec.long}` : undefined]
      .filter(Boolean)
      .join(', ')
    const withArg = spec.arg ? `${flags} ${spec.arg}` : flags
    lines.push(`  ${withArg.padEnd(34)} ${spec.help}`)
  }
  lines.push('', 'Environment: ELEMENTS_PATH, DIB_RELEASE, FS_TYPE, ROOT_LABEL, DIB_BLOCK_DEVICE_CONFIG,')
  lines.push('DIB_IMAGE_SIZE, DIB_IMAGE_EXTRA_SIZE, DIB_CHECKSUM, OVERWRITE_OLD_IMAGE, DIB_DEBUG_TRACE, ...')
  return lines.join('\n')
}
