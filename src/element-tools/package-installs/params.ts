// The declarative package-installs format: a map of package name → null, a params map, or a
// list of params maps (each evaluated on its own, so a package can be wanted under condition A
// or condition B). A valibot schema validates shapes once, so evaluation only deals with clean
// data, and every complaint says file:line:col.
// Two DIB bugs are fixed here: `uninstall: false` / `build-only: false` mean false (DIB only
// checks that the key is present), and arch lists are trimmed (`ppc64, ppc64le` matches ppc64le).
import * as v from 'valibot'
import { ConfigError } from '../../errors.ts'
import { describeIssue, issuePath, Positions, Problem, reads } from '../../util/positions.ts'
import { describeType, isPlainObject } from '../data-file.ts'

export type PackageOp = 'install' | 'uninstall' | 'build-only'

export interface WhenClause {
  readonly text: string
  readonly variable: string
  readonly equals: boolean
  readonly value: string
}

export interface PackageRule {
  readonly phase: string
  readonly op: PackageOp
  readonly installtype: string | undefined
  readonly arch: readonly string[] | undefined
  readonly notArch: readonly string[] | undefined
  readonly dibPythonVersion: string | undefined
  readonly when: readonly WhenClause[]
}

export interface PackageEntry {
  readonly name: string
  readonly rules: readonly PackageRule[]
}

export interface ParsedInstalls {
  readonly entries: readonly PackageEntry[]
  readonly warnings: readonly string[]
}

export const STANDARD_PHASES = ['pre-install.d', 'install.d', 'post-install.d'] as const

const KNOWN_KEYS = new Set([
  'phase',
  'uninstall',
  'build-only',
  'installtype',
  'arch',
  'not-arch',
  'dib_python_version',
  'when',
])
const PHASE_NAME = /^[A-Za-z0-9_-]+\.d$/
const PACKAGE_NAME = /^[^\s#-]\S*$/
const WHEN_CLAUSE = /^(\w+)\s*(!=|=)\s*(.*)$/
const TRUE_WORDS = new Set(['true', 'yes', 'on', '1'])
const FALSE_WORDS = new Set(['false', 'no', 'off', '0', ''])

// Messages name the package as {package}; the formatter puts `package "NAME"` there.
const PKG = '{package}'

const isEmpty = (value: unknown): boolean =>
  value === null ||
  value === undefined ||
  value === '' ||
  (Array.isArray(value) && value.length === 0)

const flag = (key: string): v.GenericSchema<unknown, boolean> =>
  reads((value) => {
    // A key written without a value (`uninstall:`) keeps DIB's "the key is there" meaning.
    if (value === null || value === undefined) return true
    if (typeof value === 'boolean') return value
    if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1
    if (typeof value === 'string') {
      const word = value.trim().toLowerCase()
      if (TRUE_WORDS.has(word)) return true
      if (FALSE_WORDS.has(word)) return false
    }
    return new Problem(`${PKG} has ${key}: ${JSON.stringify(value)}; use true or false`)
  })

const optionalString = (key: string): v.GenericSchema<unknown, string | undefined> =>
  reads((value) => {
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value === 'string') return value
    if (typeof value === 'number') return String(value)
    return new Problem(`${PKG} has ${key} of ${describeType(value)}; expected a string`)
  })

const archList = (key: string): v.GenericSchema<unknown, string[] | undefined> =>
  reads((value) => {
    if (value === undefined || value === null) return undefined
    const items: unknown = typeof value === 'string' ? value.split(',') : value
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
      return new Problem(
        `${PKG} has ${key} of ${describeType(value)}; expected a comma-separated string`,
      )
    }
    const kept = items
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== '')
    return kept.length === 0 ? undefined : kept
  })

const phase = reads((value) => {
  if (value === undefined || value === null) return 'install.d'
  if (typeof value !== 'string' || !PHASE_NAME.test(value)) {
    return new Problem(
      `${PKG} has phase ${JSON.stringify(value)}; use pre-install.d, install.d or post-install.d`,
    )
  }
  return value
})

const whenClause = reads((statement): WhenClause | Problem => {
  if (typeof statement !== 'string') {
    return new Problem(
      `${PKG} has a "when" entry of ${describeType(statement)}; expected "VAR = value" or "VAR != value"`,
    )
  }
  const match = WHEN_CLAUSE.exec(statement.trim())
  if (!match)
    return new Problem(
      `${PKG} has malformed when "${statement}"; expected "VAR = value" or "VAR != value"`,
    )
  const [, variable = '', op = '=', expected = ''] = match
  return { text: statement, variable, equals: op === '=', value: expected }
})

const when = v.pipe(
  v.unknown(),
  v.transform((value): unknown[] =>
    value === undefined || value === null ? [] : Array.isArray(value) ? value : [value],
  ),
  v.array(whenClause),
)

const RULE = v.pipe(
  v.unknown(),
  // DIB treats every falsy value (null, '', empty map or list) as "no parameters".
  v.transform((params) => (isEmpty(params) ? {} : params)),
  v.custom<Record<string, unknown>>(
    isPlainObject,
    (issue) =>
      `parameters of ${PKG} must be a map or a list of maps, found ${describeType(issue.input)}`,
  ),
  v.looseObject({
    phase: v.optional(phase, 'install.d'),
    uninstall: v.optional(flag('uninstall'), false),
    'build-only': v.optional(flag('build-only'), false),
    installtype: v.optional(optionalString('installtype')),
    arch: v.optional(archList('arch')),
    'not-arch': v.optional(archList('not-arch')),
    dib_python_version: v.optional(optionalString('dib_python_version')),
    when: v.optional(when, []),
  }),
  v.check(
    (rule) => rule.arch === undefined || rule['not-arch'] === undefined,
    `${PKG} sets both "arch" and "not-arch"; keep one of them`,
  ),
  v.transform((rule): PackageRule => ({
    phase: rule.phase,
    op: rule['build-only'] ? 'build-only' : rule.uninstall ? 'uninstall' : 'install',
    installtype: rule.installtype,
    arch: rule.arch,
    notArch: rule['not-arch'],
    dibPythonVersion: rule.dib_python_version,
    when: rule.when,
  })),
)

/** One params map, or a list of them (each evaluated on its own). */
const RULES = v.pipe(
  v.unknown(),
  v.transform((params): unknown[] =>
    Array.isArray(params) && params.length > 0 ? params : [params],
  ),
  v.array(RULE),
)

const INSTALLS = v.record(
  v.pipe(
    v.string(),
    v.regex(
      PACKAGE_NAME,
      (issue) =>
        `"${String(issue.input)}" is not a usable package name (empty, whitespace, or a leading "#" or "-")`,
    ),
  ),
  RULES,
)

/**
 * package-installs.yaml's data, checked against its schema; `positions` (of the file's text)
 * put file:line:col in every message and warning.
 */
export function parsePackageInstalls(
  data: unknown,
  file: string,
  positions = Positions.none(file),
): ParsedInstalls {
  if (data === null || data === undefined) return { entries: [], warnings: [] }
  if (!isPlainObject(data)) {
    throw new ConfigError(
      `${positions.where([])}: expected a map of package names, found ${describeType(data)}`,
    )
  }
  const result = v.safeParse(INSTALLS, data)
  if (!result.success) {
    const [issue] = result.issues
    const name = issuePath(issue)[0]
    throw new ConfigError(
      describeIssue(positions, issue, issue.message.replace(PKG, `package "${String(name)}"`)),
    )
  }
  const entries = Object.entries(result.output).map(([name, rules]) => ({ name, rules }))
  return { entries, warnings: warningsOf(data, positions) }
}

/** Keys package-installs ignores and phases it does not run, each where it is written. */
function warningsOf(data: Record<string, unknown>, positions: Positions): string[] {
  const warnings: string[] = []
  for (const [name, params] of Object.entries(data)) {
    const items =
      Array.isArray(params) && params.length > 0
        ? params.map((item, i) => [item, [name, i]] as const)
        : [[params, [name]] as const]
    for (const [item, path] of items) {
      if (!isPlainObject(item)) continue
      for (const key of Object.keys(item)) {
        if (!KNOWN_KEYS.has(key))
          warnings.push(
            `${positions.whereKey([...path, key])}: package "${name}" has unknown key "${key}", which is ignored`,
          )
      }
      const value = item['phase']
      if (typeof value === 'string' && !(STANDARD_PHASES as readonly string[]).includes(value)) {
        warnings.push(
          `${positions.where([...path, 'phase'])}: package "${name}" uses phase "${value}", which package-installs does not run; it is only installed if an element runs package-installs-v2 --phase ${value}`,
        )
      }
    }
  }
  return warnings
}

export function checkPackageName(name: string, file: string): void {
  if (!PACKAGE_NAME.test(name)) {
    throw new ConfigError(
      `Cannot read "${file}": "${name}" is not a usable package name (empty, whitespace, or a leading "#" or "-")`,
    )
  }
}
