// Typed reads of one config map. Every rejection names the file:line:col of the value and its
// key path; keys nobody reads become warnings (DIB carries them silently, which hides typos
// such as "fck-passno").
import { ConfigError } from '../../errors.ts'
import { parseSize, parseSizeOrPercent, type SizeSpec } from '../../util/size.ts'
import { isConfigMap, type ConfigMap } from './config-entries.ts'
import { configErrorAt, originAt, type ConfigOrigin } from './config-source.ts'

export class FieldReader {
  readonly config: ConfigMap
  readonly origin: ConfigOrigin
  readonly #what: string

  /** `what` names the thing in messages, e.g. `mkfs "mkfs_root"`. */
  constructor(config: unknown, origin: ConfigOrigin, what: string) {
    if (!isConfigMap(config))
      throw configErrorAt(origin, `Cannot read ${what}: expected a map of keys`)
    this.config = config
    this.origin = origin
    this.#what = what
  }

  fail(key: string | undefined, message: string, cause?: unknown): never {
    throw configErrorAt(
      key === undefined ? this.origin : originAt(this.origin, key),
      message,
      cause,
    )
  }

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null
  }

  string(key: string, hint = ''): string {
    const value = this.optionalString(key)
    if (value === undefined) {
      this.fail(
        undefined,
        `Cannot read ${this.#what}: key "${key}" is required${hint ? ` (${hint})` : ''}`,
      )
    }
    return value
  }

  optionalString(key: string): string | undefined {
    const value = this.config[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string' || value === '') {
      this.fail(
        key,
        `Cannot read ${this.#what}: "${key}" must be a non-empty string, not ${describe(value)}`,
      )
    }
    return value
  }

  /** A string, or a number kept as its decimal text (labels and names written unquoted). */
  optionalText(key: string): string | undefined {
    const value = this.config[key]
    if (typeof value === 'number') return String(value)
    return this.optionalString(key)
  }

  optionalStringList(key: string): readonly string[] | undefined {
    const value = this.config[key]
    if (value === undefined || value === null) return undefined
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.fail(
        key,
        `Cannot read ${this.#what}: "${key}" must be a list of strings, not ${describe(value)}`,
      )
    }
    return value
  }

  list(key: string): readonly unknown[] {
    const value = this.config[key]
    if (!Array.isArray(value) || value.length === 0) {
      if (value === undefined)
        this.fail(undefined, `Cannot read ${this.#what}: key "${key}" is required`)
      this.fail(key, `Cannot read ${this.#what}: "${key}" must be a non-empty list`)
    }
    return value
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.config[key]
    if (value === undefined || value === null) return undefined
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      this.fail(
        key,
        `Cannot read ${this.#what}: "${key}" must be a whole number from ${min} to ${max}, not ${describe(value)}`,
      )
    }
    return number
  }

  optionalSize(key: string): number | undefined {
    const value = this.config[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.fail(key, `Cannot read ${this.#what}: "${key}" must be a size such as "512MiB"`)
    }
    try {
      return parseSize(value)
    } catch (error) {
      if (error instanceof ConfigError) this.fail(key, error.message, error)
      throw error
    }
  }

  sizeOrPercent(key: string): SizeSpec {
    const value = this.config[key]
    if (typeof value !== 'string' && typeof value !== 'number') {
      if (value === undefined)
        this.fail(undefined, `Cannot read ${this.#what}: key "${key}" is required`)
      this.fail(
        key,
        `Cannot read ${this.#what}: "${key}" must be a size such as "512MiB" or "100%"`,
      )
    }
    try {
      return parseSizeOrPercent(value)
    } catch (error) {
      if (error instanceof ConfigError) this.fail(key, error.message, error)
      throw error
    }
  }

  /** Warnings for keys outside `known`, with a suggestion when one is a near miss. */
  warnUnknown(known: readonly string[], warnings: string[]): void {
    for (const key of Object.keys(this.config)) {
      if (known.includes(key)) continue
      const near = known.find((candidate) => editDistance(candidate, key) <= 2)
      const where = this.origin.source.whereKey([...this.origin.path, key])
      warnings.push(
        `${where}: Ignoring unknown key "${key}" of ${this.#what}${near ? ` (did you mean "${near}"?)` : ''}`,
      )
    }
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

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      )
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
