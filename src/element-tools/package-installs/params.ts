// The declarative package-installs format: a map of package name → null, a params map, or a
// list of params maps (each evaluated on its own, so a package can be wanted under condition A
// or condition B). Parsing validates shapes once so evaluation only deals with clean data.
// Two DIB bugs are fixed here: `uninstall: false` / `build-only: false` mean false (DIB only
// checks that the key is present), and arch lists are trimmed (`ppc64, ppc64le` matches ppc64le).
import { ConfigError } from '../../errors.ts'
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

export function parsePackageInstalls(data: unknown, file: string): ParsedInstalls {
  if (data === null || data === undefined) return { entries: [], warnings: [] }
  if (!isPlainObject(data)) {
    throw new ConfigError(
      `Cannot read "${file}": expected a map of package names, found ${describeType(data)}`,
    )
  }
  const warnings: string[] = []
  const entries = Object.entries(data).map(([name, params]) => {
    checkPackageName(name, file)
    const list = Array.isArray(params) && params.length > 0 ? params : [params]
    const rules = list.map((item) => parseRule(item, { file, name, warnings }))
    return { name, rules }
  })
  return { entries, warnings }
}

export function checkPackageName(name: string, file: string): void {
  if (!PACKAGE_NAME.test(name)) {
    throw new ConfigError(
      `Cannot read "${file}": "${name}" is not a usable package name (empty, whitespace, or a leading "#" or "-")`,
    )
  }
}

interface RuleContext {
  readonly file: string
  readonly name: string
  readonly warnings: string[]
}

function parseRule(params: unknown, ctx: RuleContext): PackageRule {
  // DIB treats every falsy value (null, '', empty map or list) as "no parameters".
  const empty = params === null || params === undefined || params === ''
  if (empty || (Array.isArray(params) && params.length === 0)) return parseRule({}, ctx)
  if (!isPlainObject(params)) {
    throw new ConfigError(
      `Cannot read "${ctx.file}": parameters of package "${ctx.name}" must be a map or a list of maps, found ${describeType(params)}`,
    )
  }
  for (const key of Object.keys(params)) {
    if (!KNOWN_KEYS.has(key)) {
      ctx.warnings.push(
        `${ctx.file}: package "${ctx.name}" has unknown key "${key}", which is ignored`,
      )
    }
  }
  const arch = readArchList(params['arch'], 'arch', ctx)
  const notArch = readArchList(params['not-arch'], 'not-arch', ctx)
  if (arch !== undefined && notArch !== undefined) {
    throw new ConfigError(
      `Cannot read "${ctx.file}": package "${ctx.name}" sets both "arch" and "not-arch"; keep one of them`,
    )
  }
  const uninstall = readFlag(params, 'uninstall', ctx)
  const buildOnly = readFlag(params, 'build-only', ctx)
  return {
    phase: readPhase(params['phase'], ctx),
    op: buildOnly ? 'build-only' : uninstall ? 'uninstall' : 'install',
    installtype: readOptionalString(params['installtype'], 'installtype', ctx),
    arch,
    notArch,
    dibPythonVersion: readOptionalString(params['dib_python_version'], 'dib_python_version', ctx),
    when: readWhen(params['when'], ctx),
  }
}

function readPhase(value: unknown, ctx: RuleContext): string {
  if (value === undefined || value === null) return 'install.d'
  if (typeof value !== 'string' || !PHASE_NAME.test(value)) {
    throw new ConfigError(
      `Cannot read "${ctx.file}": package "${ctx.name}" has phase ${JSON.stringify(value)}; use pre-install.d, install.d or post-install.d`,
    )
  }
  if (!(STANDARD_PHASES as readonly string[]).includes(value)) {
    ctx.warnings.push(
      `${ctx.file}: package "${ctx.name}" uses phase "${value}", which package-installs does not run; it is only installed if an element runs package-installs-v2 --phase ${value}`,
    )
  }
  return value
}

function readFlag(params: Record<string, unknown>, key: string, ctx: RuleContext): boolean {
  if (!(key in params)) return false
  const value = params[key]
  // A key written without a value (`uninstall:`) keeps DIB's "the key is there" meaning.
  if (value === null || value === undefined) return true
  if (typeof value === 'boolean') return value
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase()
    if (TRUE_WORDS.has(word)) return true
    if (FALSE_WORDS.has(word)) return false
  }
  throw new ConfigError(
    `Cannot read "${ctx.file}": package "${ctx.name}" has ${key}: ${JSON.stringify(value)}; use true or false`,
  )
}

function readOptionalString(value: unknown, key: string, ctx: RuleContext): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw new ConfigError(
    `Cannot read "${ctx.file}": package "${ctx.name}" has ${key} of ${describeType(value)}; expected a string`,
  )
}

function readArchList(value: unknown, key: string, ctx: RuleContext): string[] | undefined {
  if (value === undefined || value === null) return undefined
  const items = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new ConfigError(
      `Cannot read "${ctx.file}": package "${ctx.name}" has ${key} of ${describeType(value)}; expected a comma-separated string`,
    )
  }
  const arches = items.flatMap((item) => item.split(',')).map((item) => item.trim())
  const kept = arches.filter((item) => item !== '')
  return kept.length === 0 ? undefined : kept
}

function readWhen(value: unknown, ctx: RuleContext): WhenClause[] {
  if (value === undefined || value === null) return []
  const statements = Array.isArray(value) ? value : [value]
  return statements.map((statement) => {
    if (typeof statement !== 'string') {
      throw new ConfigError(
        `Cannot read "${ctx.file}": package "${ctx.name}" has a "when" entry of ${describeType(statement)}; expected "VAR = value" or "VAR != value"`,
      )
    }
    const match = WHEN_CLAUSE.exec(statement.trim())
    if (!match) {
      throw new ConfigError(
        `Cannot read "${ctx.file}": package "${ctx.name}" has malformed when "${statement}"; expected "VAR = value" or "VAR != value"`,
      )
    }
    const [, variable = '', op = '=', expected = ''] = match
    return { text: statement, variable, equals: op === '=', value: expected }
  })
}
