// The shapes of block-device config maps as valibot schemas, and the one reader that runs them.
// Every rejection names the file:line:col of the value and its key path (a missing value: where
// its map is); keys no schema names become warnings (DIB carries them silently, which hides
// typos such as "fck-passno").
import * as v from 'valibot'
import { ConfigError } from '../../errors.ts'
import { issuePath, Problem, reads } from '../../util/positions.ts'
import { parseSize, parseSizeOrPercent, type SizeSpec } from '../../util/size.ts'
import { editDistance } from '../../util/suggest.ts'
import { isConfigMap } from './config-entries.ts'
import { configErrorAt, originAt, type ConfigOrigin } from './config-source.ts'

export type Field<T> = v.GenericSchema<unknown, T>
type Fields = Record<string, Field<unknown>>
type Read<F extends Fields> = { readonly [K in keyof F]: v.InferOutput<F[K]> }

const absent = (value: unknown): value is undefined | null => value === undefined || value === null

/**
 * The values of the map `config` (at `origin`) read by `fields`, one schema per known key;
 * `what` names the map in messages, e.g. `mkfs`. Unknown keys are warned about, with a
 * suggestion when one is a near miss.
 */
export function readFields<F extends Fields>(
  config: unknown,
  origin: ConfigOrigin,
  what: string,
  fields: F,
  warnings: string[],
): Read<F> {
  if (!isConfigMap(config))
    throw configErrorAt(origin, `Cannot read ${what}: expected a map of keys`)
  const known = Object.keys(fields)
  warnUnknown(config, origin, what, known, warnings)
  // Every known key is handed over, so a required one reports its own absence.
  const input = Object.fromEntries(known.map((key) => [key, config[key]]))
  const result = v.safeParse(v.object(fields), input)
  if (result.success) return result.output
  const [issue] = result.issues
  const [key] = issuePath(issue)
  const missing = typeof key !== 'string' || issue.message.startsWith(requiredMessage(what, key))
  const at = missing ? origin : originAt(origin, key)
  throw configErrorAt(at, issue.message)
}

/** A required value is missing: reported where its map is. */
const requiredMessage = (what: string, key: string): string =>
  `Cannot read ${what}: key "${key}" is required`

/** A rule across fields failed: the message names `key`'s value, or the map without a key. */
export function failAt(origin: ConfigOrigin, key: string | undefined, message: string): never {
  throw configErrorAt(key === undefined ? origin : originAt(origin, key), message)
}

/** Field schemas whose messages name `what`. */
export function fieldsOf(what: string) {
  const required = (key: string, hint = ''): Problem =>
    new Problem(`${requiredMessage(what, key)}${hint ? ` (${hint})` : ''}`)
  const stringOf = (key: string, value: unknown): string | undefined | Problem => {
    if (absent(value)) return undefined
    if (typeof value === 'string' && value !== '') return value
    return new Problem(
      `Cannot read ${what}: "${key}" must be a non-empty string, not ${describe(value)}`,
    )
  }
  const optionalString = (key: string): Field<string | undefined> =>
    reads((value) => stringOf(key, value))
  const requiredOf =
    <T>(key: string, schema: Field<T | undefined>, hint = '') =>
    (value: unknown): T | Problem => {
      if (absent(value)) return required(key, hint)
      const result = v.safeParse(schema, value)
      return result.success ? (result.output as T) : new Problem(result.issues[0].message)
    }
  const sized = <T>(parse: (value: string | number) => T, key: string, example: string) =>
    reads((value): T | undefined | Problem => {
      if (absent(value)) return undefined
      if (typeof value !== 'string' && typeof value !== 'number')
        return new Problem(`Cannot read ${what}: "${key}" must be a size such as ${example}`)
      try {
        return parse(value)
      } catch (error) {
        if (error instanceof ConfigError) return new Problem(error.message)
        throw error
      }
    })
  const fields = {
    optionalString,
    string: (key: string, hint = ''): Field<string> =>
      reads(requiredOf(key, optionalString(key), hint)),
    /** A string, or a number kept as its decimal text (labels and names written unquoted). */
    optionalText: (key: string): Field<string | undefined> =>
      reads((value) => (typeof value === 'number' ? String(value) : stringOf(key, value))),
    optionalStringList: (key: string): Field<readonly string[] | undefined> =>
      reads((value): readonly string[] | undefined | Problem => {
        if (absent(value)) return undefined
        if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value
        return new Problem(
          `Cannot read ${what}: "${key}" must be a list of strings, not ${describe(value)}`,
        )
      }),
    /** DIB splits a string on white space; a list is taken as written. */
    optionalWords: (key: string): Field<readonly string[] | undefined> =>
      reads((value): readonly string[] | undefined | Problem => {
        if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '')
        const result = v.safeParse(fields.optionalStringList(key), value)
        return result.success ? result.output : new Problem(result.issues[0].message)
      }),
    list: (key: string): Field<readonly unknown[]> =>
      reads((value): readonly unknown[] | Problem => {
        if (value === undefined) return required(key)
        if (Array.isArray(value) && value.length > 0) return value as unknown[]
        return new Problem(`Cannot read ${what}: "${key}" must be a non-empty list`)
      }),
    optionalInteger: (key: string, min: number, max: number): Field<number | undefined> =>
      reads((value): number | undefined | Problem => {
        if (absent(value)) return undefined
        const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
        if (
          typeof number === 'number' &&
          Number.isInteger(number) &&
          number >= min &&
          number <= max
        )
          return number
        return new Problem(
          `Cannot read ${what}: "${key}" must be a whole number from ${min} to ${max}, not ${describe(value)}`,
        )
      }),
    optionalSize: (key: string): Field<number | undefined> => sized(parseSize, key, '"512MiB"'),
    sizeOrPercent: (key: string): Field<SizeSpec> =>
      reads(requiredOf(key, sized(parseSizeOrPercent, key, '"512MiB" or "100%"'))),
  }
  return fields
}

function warnUnknown(
  config: Readonly<Record<string, unknown>>,
  origin: ConfigOrigin,
  what: string,
  known: readonly string[],
  warnings: string[],
): void {
  for (const key of Object.keys(config)) {
    if (known.includes(key)) continue
    const [near] = known
      .map((candidate) => ({ candidate, distance: editDistance(candidate, key) }))
      .filter(({ distance }) => distance <= 2)
      .sort((a, b) => a.distance - b.distance)
      .map(({ candidate }) => candidate)
    const where = origin.source.whereKey([...origin.path, key])
    warnings.push(
      `${where}: Ignoring unknown key "${key}" of ${what}${near ? ` (did you mean "${near}"?)` : ''}`,
    )
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return value === '' ? 'an empty string' : `"${value}"`
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects were handled above
  return `${typeof value} ${String(value)}`
}
