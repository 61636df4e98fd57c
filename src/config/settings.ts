// The settings table: every disk-image-create option and every environment variable the core
// reads, one row each (settings-dib.ts, settings-imagewright.ts). It drives option parsing
// (src/cli/dib-options.ts), `--help`, `imagewright plan`'s settings view, the README's settings
// table (scripts/docs-settings.mjs) and every read of a setting in the middle of a build
// (readSetting). Adding a setting is one row here and its use; test/unit/config/ fails when src/
// reads a DIB_* or IMAGEWRIGHT_* variable that has no row, or reads a row's variable by hand.
import { flagName, pick, type Env, type HelpFacts, type SettingRow } from './setting.ts'
import { DIB_SETTINGS } from './settings-dib.ts'
import { IMAGEWRIGHT_SETTINGS } from './settings-imagewright.ts'

export const SETTINGS = { ...DIB_SETTINGS, ...IMAGEWRIGHT_SETTINGS } as const

export type SettingKey = keyof typeof SETTINGS
export type SettingValue<K extends SettingKey> = ReturnType<(typeof SETTINGS)[K]['read']>

const rows = (): [SettingKey, SettingRow<unknown>][] =>
  Object.entries(SETTINGS) as [SettingKey, SettingRow<unknown>][]

/** A setting's value from the environment alone (the options were read at the start). */
export function readSetting<K extends SettingKey>(env: Env, key: K): SettingValue<K> {
  const row: SettingRow<unknown> = SETTINGS[key]
  return row.read({ flags: [], env }) as SettingValue<K>
}

/** Every environment variable some row reads, in table order. */
export function settingVariables(): string[] {
  return rows().flatMap(([, row]) => row.env ?? [])
}

/** A row's (first) variable, for commander's `.env()`. */
export function variableOf(key: SettingKey): string {
  const row: SettingRow<unknown> = SETTINGS[key]
  const [name] = row.env ?? []
  if (name === undefined) throw new TypeError(`Setting ${key} has no environment variable`)
  return name
}

/** The rows that are options, in `--help` order. */
export function optionRows(): [
  SettingKey,
  SettingRow<unknown> & { readonly flag: NonNullable<SettingRow<unknown>['flag']> },
][] {
  return rows().filter(
    (
      entry,
    ): entry is [
      SettingKey,
      SettingRow<unknown> & { readonly flag: NonNullable<SettingRow<unknown>['flag']> },
    ] => entry[1].flag !== undefined,
  )
}

export function helpText(row: SettingRow<unknown>, facts: HelpFacts): string {
  return typeof row.help === 'string' ? row.help : row.help(facts)
}

/**
 * Read every variable-only row the core reads, so a bad value fails before the build starts
 * (rows with an option are read with the command line, where the option wins).
 */
export function checkSettings(env: Env): void {
  for (const [, row] of rows())
    if (row.flag === undefined && row.elementsOnly !== true) row.read({ flags: [], env })
}

export interface GivenSetting {
  readonly key: SettingKey
  /** The option or variable the value came from. */
  readonly from: string
  /** What was typed; undefined for a switch. */
  readonly value: string | undefined
  /** As the user would write it: `-o debian`, `--no-tmpfs`, `-x (2 times)`, `FS_TYPE=xfs`. */
  readonly shown: string
}

/**
 * The settings the user gave, for `plan`: each row whose option or variable is set, with what
 * was typed (the last option, else the first variable set).
 */
export function givenSettings(
  flags: ReadonlyMap<SettingKey, readonly string[]>,
  env: Env,
): GivenSetting[] {
  const given: GivenSetting[] = []
  for (const [key, row] of rows()) {
    const values = flags.get(key) ?? []
    if (row.flag !== undefined && values.length > 0 && !row.flag.takesValue) {
      const from = flagName(row.flag)
      given.push({
        key,
        from,
        value: undefined,
        shown: values.length > 1 ? `${from} (${values.length} times)` : from,
      })
      continue
    }
    const picked = pick(row.flag, row.env ?? [], { flags: values, env })
    if (picked === undefined) continue
    const { name, fromEnv } = picked.source
    given.push({
      key,
      from: name,
      value: picked.value,
      shown: fromEnv ? `${name}=${picked.value}` : `${name} ${picked.value}`,
    })
  }
  return given
}
