// disk-image-create's command line and environment, as DIB documents them, turned into
// BuildOptions. The settings table (src/config/settings.ts) drives parsing and help. Where DIB
// rejects options it documents (--image-extra-size, --mkfs-journal-size) or ignores settings
// (MKFS_OPTS), we honour them.
import type { BuildOptions } from '../config/build-options.ts'
import { pick, type SettingRow } from '../config/setting.ts'
import {
  checkSettings,
  helpText,
  optionRows,
  SETTINGS,
  settingVariables,
  type SettingKey,
  type SettingValue,
} from '../config/settings.ts'
import { ConfigError, UsageError } from '../errors.ts'
import { listImageTypes, resolveOutputFormats } from '../output/formats.ts'
import { getopt, type OptionSpec } from './getopt.ts'

export { hostArch, KNOWN_ARCHITECTURES } from '../config/settings-dib.ts'

export type DibCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'build'; readonly options: BuildOptions }

// An unknown -t type is a usage error, reported before anything else is checked.
function checkImageTypes(types: readonly string[], fromEnv: boolean): void {
  try {
    resolveOutputFormats(types)
  } catch (error) {
    if (!(error instanceof ConfigError) || fromEnv) throw error
    throw new UsageError(error.message, { hint: error.hint, cause: error })
  }
}

/** The options of argv, by setting, each with every value given (in order). */
export function readDibFlags(argv: readonly string[]): {
  flags: Map<SettingKey, string[]>
  operands: readonly string[]
  first?: 'help' | 'version'
} {
  const rows = optionRows()
  const keys = new Map<OptionSpec, SettingKey>(rows.map(([key, row]) => [row.flag, key]))
  const { options, operands } = getopt(
    argv,
    rows.map(([, row]) => row.flag),
  )
  const flags = new Map<SettingKey, string[]>()
  for (const option of options) {
    const key = keys.get(option.spec)
    if (!key) continue
    if (key === 'help' || key === 'version') return { flags, operands, first: key }
    flags.set(key, [...(flags.get(key) ?? []), option.value ?? ''])
  }
  return { flags, operands }
}

/** Parse disk-image-create's argv with the environment it runs in. */
export function parseDibCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  mode: 'disk' | 'ramdisk' = 'disk',
): DibCommand {
  const { flags, operands, first } = readDibFlags(argv)
  if (first !== undefined) return { kind: first }
  if (operands.length === 0) {
    throw new UsageError('At least one distribution root element must be specified', {
      hint: 'For example: disk-image-create -o debian debian-minimal vm',
    })
  }
  // The option wins over the environment variable; either way, errors name the one used.
  const read = <K extends SettingKey>(key: K): SettingValue<K> => {
    const row: SettingRow<unknown> = SETTINGS[key]
    return row.read({ flags: flags.get(key) ?? [], env }) as SettingValue<K>
  }
  const types = read('imageTypes')
  checkImageTypes(
    types,
    flags.get('imageTypes') === undefined &&
      pick(undefined, SETTINGS.imageTypes.env, { flags: [], env }) !== undefined,
  )
  const imageSizeGiB = read('imageSizeGiB')
  const envStrings: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envStrings[k] = v
  const buildEnv = read('clearEnv') ? clearedEnv(envStrings) : envStrings

  // ramdisk-image-create puts its main element (default "ramdisk") in front of the others.
  const ramdiskElement = mode === 'ramdisk' ? read('ramdiskElement') : undefined
  const logfile = read('logfile')
  const options_: BuildOptions = {
    elements: ramdiskElement === undefined ? operands : [ramdiskElement, ...operands],
    ramdiskElement,
    imageName: stripSingleTypeSuffix(read('imageName'), types),
    imageTypes: types,
    arch: read('arch'),
    debugTrace: read('debugTrace'),
    uncompressed: read('uncompressed'),
    skipBase: read('skipBase'),
    packages: read('packages'),
    checksums: read('checksums'),
    imageSizeBytes: imageSizeGiB === undefined ? undefined : Math.round(imageSizeGiB * 1024 ** 3),
    imageExtraSizeMiB: read('imageExtraSizeMiB'),
    imageCache: read('imageCache'),
    maxOnlineResize: read('maxOnlineResize'),
    minTmpfsGiB: read('minTmpfsGiB'),
    journalSizeMiB: read('journalSizeMiB'),
    mkfsOptions: read('mkfsOptions'),
    noTmpfs: read('noTmpfs'),
    offline: read('offline'),
    qemuImgOptions: read('qemuImgOptions'),
    rootLabel: read('rootLabel'),
    fsType: read('fsType'),
    installType: read('installType'),
    dockerTarget: read('dockerTarget'),
    logfile,
    quiet: read('quiet') ?? logfile !== undefined,
    noTimestamp: read('noTimestamp'),
    overwriteOldImage: read('overwriteOldImage'),
    elementsPath: read('elementsPath'),
    blockDeviceConfig: read('blockDeviceConfig'),
    blockSize: read('blockSize'),
    tmpDir: read('tmpDir'),
    env: buildEnv,
    args: argv,
    bootTest: read('bootTest'),
    jsonLog: read('jsonLog'),
    htmlReport: read('htmlReport'),
    uuidSeed: read('uuidSeed'),
    noCache: read('noCache'),
  }
  // The settings read later in the build are checked now, on the environment the build sees.
  checkSettings(buildEnv)
  return { kind: 'build', options: options_ }
}

/** DIB strips a trailing ".<type>" from -o when exactly one type is requested. */
export function stripSingleTypeSuffix(name: string, types: readonly string[]): string {
  const [only] = types
  if (types.length === 1 && only && name.endsWith(`.${only}`))
    return name.slice(0, -(only.length + 1))
  return name
}

// DIB's -c re-executes itself with an empty environment and loses its own settings (a known
// bug). We keep what a build needs and drop the rest.
function clearedEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    if (
      ['PATH', 'HOME', 'TERM', 'LANG', 'ELEMENTS_PATH', 'TMPDIR'].includes(key) ||
      key.startsWith('DIB_')
    )
      kept[key] = value
  }
  return kept
}

export function renderDibHelp(program: string): string {
  const lines = [`Usage: ${program} [OPTION]... [ELEMENT]...`, '', 'Options:']
  const facts = { imageTypes: listImageTypes() }
  for (const [, row] of optionRows()) {
    const spec = row.flag
    const flags = [
      spec.short ? `-${spec.short}` : undefined,
      spec.long ? `--${spec.long}` : undefined,
    ]
      .filter(Boolean)
      .join(', ')
    const withArg = spec.arg ? `${flags} ${spec.arg}` : flags
    lines.push(`  ${withArg.padEnd(34)} ${helpText(row, facts)}`)
  }
  lines.push('', 'Environment (every option and variable: docs/settings.md):')
  let line = ' '
  for (const name of settingVariables()) {
    if (line.length + name.length > 96) {
      lines.push(line.trimEnd())
      line = ' '
    }
    line += ` ${name}`
  }
  lines.push(line)
  return lines.join('\n')
}
