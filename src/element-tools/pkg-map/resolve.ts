// pkg-map: translate an element's abstract package names for the build's distro. Sections, most
// specific wins per name: release (distro → release → names) > distro > family > default. A
// value may hold several space-separated packages; an empty value (or null) means "install
// nothing". CentOS-style "8-stream" releases fall back to the bare number, as DIB looks them up.
import * as v from 'valibot'
import { ConfigError } from '../../errors.ts'
import { parseAt, Positions, Problem, reads } from '../../util/positions.ts'
import { describeType, isPlainObject } from '../data-file.ts'
import { findDistroFamily } from '../families.ts'

export interface MapTarget {
  readonly distro: string | undefined
  readonly release: string | undefined
}

/** Name → packages for one target; an empty list means the name installs nothing. */
export type PkgMapTable = ReadonlyMap<string, readonly string[]>

export type NameLookup =
  { readonly kind: 'mapped'; readonly packages: readonly string[] } | { readonly kind: 'missing' }

const MAP_NAME = /^[^\s#]\S*$/
const STREAM_RELEASE = /^(\d+)-stream$/

const PREFIX = 'Cannot read pkg-map: '
const SECTIONS = ['default', 'family', 'distro', 'release'] as const

const PACKAGES = reads((value): string[] | Problem => {
  if (value === null || value === undefined) return []
  const words: unknown = typeof value === 'string' ? [value] : value
  if (!Array.isArray(words) || !words.every((word) => typeof word === 'string')) {
    return new Problem(`expected a string of package names, found ${describeType(value)}`)
  }
  const packages = words.flatMap((word) => word.split(/\s+/)).filter((word) => word !== '')
  const dashed = packages.find((pkg) => pkg.startsWith('-'))
  return dashed === undefined ? packages : new Problem(`package "${dashed}" starts with "-"`)
})

/** name → packages: one section, or one distro's or release's part of it. */
const NAMES = v.record(
  v.pipe(
    v.string(),
    v.regex(MAP_NAME, (issue) => `"${String(issue.input)}" is not a usable package name`),
  ),
  PACKAGES,
)

/** The object at `key` of `parent`, or undefined when missing or null. */
function objectAt(
  parent: Record<string, unknown> | undefined,
  key: string | undefined,
  problem: string,
  path: readonly (string | number)[],
  positions: Positions,
): Record<string, unknown> | undefined {
  if (parent === undefined || key === undefined || !Object.hasOwn(parent, key)) return undefined
  const value = parent[key]
  if (value === null || value === undefined) return undefined
  if (!isPlainObject(value))
    throw new ConfigError(`${positions.where([...path, key])}: ${PREFIX}${problem}`)
  return value
}

/**
 * The table of one target from a pkg-map file's data. Only the sections the target reads are
 * checked (a section for another distro may hold what this one does not care about).
 */
export function resolvePkgMap(
  data: unknown,
  target: MapTarget,
  file: string,
  positions: Positions = Positions.none(file),
): Map<string, string[]> {
  if (!isPlainObject(data)) {
    throw new ConfigError(
      `${positions.where([])}: ${PREFIX}expected a JSON object, found ${describeType(data)}`,
    )
  }
  for (const key of SECTIONS)
    objectAt(data, key, `section "${key}" must be an object`, [], positions)
  const section = (key: (typeof SECTIONS)[number]): Record<string, unknown> | undefined =>
    objectAt(data, key, '', [], positions)
  const names = (
    value: Record<string, unknown> | undefined,
    path: readonly (string | number)[],
  ): Map<string, string[]> =>
    new Map(
      Object.entries(value === undefined ? {} : parseAt(NAMES, value, path, positions, PREFIX)),
    )
  const family = findDistroFamily(target.distro)
  const releases = objectAt(
    section('release'),
    target.distro,
    `release "${target.distro ?? ''}": expected an object`,
    ['release'],
    positions,
  )
  const release = releaseKey(releases, target.release)
  const layers = [
    names(section('default'), ['default']),
    names(
      objectAt(
        section('family'),
        family,
        `family "${family ?? ''}": expected an object`,
        ['family'],
        positions,
      ),
      ['family', family ?? ''],
    ),
    names(
      objectAt(
        section('distro'),
        target.distro,
        `distro "${target.distro ?? ''}": expected an object`,
        ['distro'],
        positions,
      ),
      ['distro', target.distro ?? ''],
    ),
    names(
      objectAt(
        releases,
        release,
        `release "${release ?? ''}": expected an object`,
        ['release', target.distro ?? ''],
        positions,
      ),
      ['release', target.distro ?? '', release ?? ''],
    ),
  ]
  const table = new Map<string, string[]>()
  for (const layer of layers) for (const [name, packages] of layer) table.set(name, packages)
  return table
}

export function lookupName(table: PkgMapTable | undefined, name: string): NameLookup {
  const packages = table?.get(name)
  return packages === undefined ? { kind: 'missing' } : { kind: 'mapped', packages }
}

export interface TranslateOptions {
  readonly missingOk: boolean
  /** Used in the error for an unmapped name, e.g. the element name. */
  readonly label: string
}

/** pkg-map's CLI semantics: unmapped names pass through only with missingOk. */
export function translateNames(
  table: PkgMapTable | undefined,
  names: readonly string[],
  options: TranslateOptions,
): string[] {
  return names.flatMap((name) => {
    const found = lookupName(table, name)
    if (found.kind === 'mapped') return [...found.packages]
    if (options.missingOk) return [name]
    throw new ConfigError(`Cannot map package "${name}": ${options.label} has no mapping for it`)
  })
}

function releaseKey(
  releases: Record<string, unknown> | undefined,
  release: string | undefined,
): string | undefined {
  if (releases === undefined || release === undefined) return undefined
  if (Object.hasOwn(releases, release)) return release
  return STREAM_RELEASE.exec(release)?.[1]
}
