// What one row of the settings table (settings.ts) is, and the few shapes rows come in: a value
// that an option or an environment variable gives, a switch, a positive number. A row knows its
// option, its variables, how to read and check a value, its default and its help, so that option
// parsing, `--help`, `plan`'s settings view and the README's table all come from the same row.
import { ConfigError, UsageError } from '../errors.ts'

export type Env = Readonly<Record<string, string | undefined>>

/** A disk-image-create option, in GNU getopt terms (src/cli/getopt.ts). */
export interface Flag {
  readonly short?: string
  readonly long?: string
  readonly takesValue: boolean
  /** The value's placeholder in `--help`. */
  readonly arg?: string
}

/** Facts `--help` needs that live above config/ (the output formats there are). */
export interface HelpFacts {
  readonly imageTypes: readonly string[]
}

/** What the user gave: every value of the option, in argv order ('' for a switch), and the environment. */
export interface Given {
  readonly flags: readonly string[]
  readonly env: Env
}

export interface SettingRow<T> {
  readonly flag?: Flag
  /** Environment variables, first set one wins (an empty one counts as unset, as `${VAR:-…}`). */
  readonly env?: readonly string[]
  /** Its kind of value, for the documentation: `path`, `number`, `switch`, … */
  readonly type: string
  /** The default as the documentation states it ('' for none). */
  readonly default: string
  readonly help: string | ((facts: HelpFacts) => string)
  /** Longer text for the README, when the help line is not enough. */
  readonly doc?: string
  /** The value the documentation shows with the variable (`IMAGEWRIGHT_HYGIENE=0`). */
  readonly docValue?: string
  /** DIB documents it, or imagewright adds it. */
  readonly origin: 'dib' | 'imagewright'
  /** Read by element scripts only: documented here, never read by the core. */
  readonly elementsOnly?: true
  readonly read: (given: Given) => T
}

/**
 * Where a value came from, so an error names what the user typed: a bad option is a usage error
 * (exit 2), a bad environment variable a configuration error (exit 3).
 */
export interface SettingSource {
  readonly name: string
  readonly fromEnv: boolean
}

export function settingError(source: SettingSource, problem: string): UsageError | ConfigError {
  return source.fromEnv
    ? new ConfigError(`${source.name} ${problem}`)
    : new UsageError(`Option "${source.name}" ${problem}`)
}

export function flagName(flag: Flag): string {
  return flag.long ? `--${flag.long}` : `-${flag.short ?? ''}`
}

export const isSet = (value: string | undefined): value is string =>
  value !== undefined && value !== ''

/** DIB's switches in the environment: set, not empty and not 0. */
export const envSwitch = (value: string | undefined): boolean => isSet(value) && value !== '0'

export interface Picked {
  readonly value: string
  readonly source: SettingSource
}

/** The option's last value wins over the environment; undefined when neither is given. */
export function pick(
  flag: Flag | undefined,
  envNames: readonly string[],
  given: Given,
): Picked | undefined {
  const fromCli = given.flags.at(-1)
  if (flag !== undefined && fromCli !== undefined)
    return { value: fromCli, source: { name: flagName(flag), fromEnv: false } }
  for (const name of envNames) {
    const value = given.env[name]
    if (isSet(value)) return { value, source: { name, fromEnv: true } }
  }
  return undefined
}

type Described = Omit<SettingRow<never>, 'read'>

/** A value from the option or the variables, checked by `parse`; `fallback` when not given. */
export function valued<T, D>(
  row: Described & {
    readonly parse: (value: string, source: SettingSource) => T
    readonly fallback: (env: Env) => D
  },
): SettingRow<T | D> {
  const { parse, fallback, ...described } = row
  return {
    ...described,
    read: (given) => {
      const picked = pick(row.flag, row.env ?? [], given)
      return picked === undefined ? fallback(given.env) : parse(picked.value, picked.source)
    },
  }
}

/** A string as given, or undefined. */
export function text(row: Described): SettingRow<string | undefined> {
  return valued({ ...row, parse: (value) => value, fallback: () => undefined })
}

/** A string as given, or a default. */
export function textOr(row: Described, fallback: (env: Env) => string): SettingRow<string> {
  return valued({ ...row, parse: (value) => value, fallback })
}

/** On when the option is given or a variable is set to something other than 0. */
export function switched(row: Described): SettingRow<boolean> {
  return {
    ...row,
    read: (given) =>
      given.flags.length > 0 || (row.env ?? []).some((name) => envSwitch(given.env[name])),
  }
}

export function parsePositiveNumber(value: string, source: SettingSource): number {
  const n = Number(value)
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n <= 0) {
    throw settingError(source, `needs a positive number: got "${value}"`)
  }
  return n
}

/** A positive number (fractions allowed), or undefined. */
export function positive(row: Described): SettingRow<number | undefined> {
  return valued({ ...row, parse: parsePositiveNumber, fallback: () => undefined })
}

/** A positive number (fractions allowed), or a default. */
export function positiveOr(row: Described, fallback: number): SettingRow<number> {
  return valued({ ...row, parse: parsePositiveNumber, fallback: () => fallback })
}
