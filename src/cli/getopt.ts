// GNU getopt(1) semantics, which DIB's command line is defined by: bundled short options,
// attached or separate values, `--long=value`, unambiguous long-option prefixes, arguments
// permuted after options, and `--` ending option parsing.
import { UsageError } from '../errors.ts'

export interface OptionSpec {
  readonly short?: string
  readonly long?: string
  readonly takesValue: boolean
}

export interface ParsedOption {
  readonly spec: OptionSpec
  readonly name: string
  readonly value: string | undefined
}

export interface GetoptResult {
  readonly options: readonly ParsedOption[]
  readonly operands: readonly string[]
}

function displayName(spec: OptionSpec): string {
  return spec.long ? `--${spec.long}` : `-${spec.short ?? '?'}`
}

function findLong(specs: readonly OptionSpec[], name: string): OptionSpec {
  const exact = specs.find((s) => s.long === name)
  if (exact) return exact
  const candidates = specs.filter((s) => s.long?.startsWith(name))
  const [only] = candidates
  if (candidates.length === 1 && only) return only
  if (candidates.length > 1) {
    const names = candidates.map((s) => `--${s.long ?? ''}`).join(', ')
    throw new UsageError(`Option "--${name}" is ambiguous: it could be ${names}`)
  }
  throw new UsageError(`Unrecognized option "--${name}"`, {
    hint: 'Run with --help to list the options',
  })
}

export function getopt(argv: readonly string[], specs: readonly OptionSpec[]): GetoptResult {
  const options: ParsedOption[] = []
  const operands: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      operands.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
      const spec = findLong(specs, name)
      if (!spec.takesValue) {
        if (eq >= 0) throw new UsageError(`Option "${displayName(spec)}" does not take a value`)
        options.push({ spec, name: displayName(spec), value: undefined })
        continue
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i]
      if (value === undefined)
        throw new UsageError(`Option "${displayName(spec)}" requires a value`)
      options.push({ spec, name: displayName(spec), value })
      continue
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] ?? ''
        const spec = specs.find((s) => s.short === letter)
        if (!spec)
          throw new UsageError(`Unrecognized option "-${letter}"`, {
            hint: 'Run with --help to list the options',
          })
        if (!spec.takesValue) {
          options.push({ spec, name: displayName(spec), value: undefined })
          continue
        }
        const attached = arg.slice(j + 1)
        const value = attached.length > 0 ? attached : argv[++i]
        if (value === undefined) throw new UsageError(`Option "-${letter}" requires a value`)
        options.push({ spec, name: displayName(spec), value })
        break
      }
      continue
    }
    operands.push(arg)
  }
  return { options, operands }
}
