// pkg-map: translate an element's abstract package names for the build's distro. Sections, most
// specific wins per name: release (distro → release → names) > distro > family > default. A
// value may hold several space-separated packages; an empty value (or null) means "install
// nothing". CentOS-style "8-stream" releases fall back to the bare number, as DIB looks them up.
import { ConfigError } from '../../errors.ts'
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

export function resolvePkgMap(
  data: unknown,
  target: MapTarget,
  file: string,
): Map<string, string[]> {
  if (!isPlainObject(data)) {
    throw new ConfigError(
      `Cannot read pkg-map "${file}": expected a JSON object, found ${describeType(data)}`,
    )
  }
  const section = (key: string): Record<string, unknown> | undefined => {
    const value = data[key]
    if (value === undefined || value === null) return undefined
    if (!isPlainObject(value)) {
      throw new ConfigError(`Cannot read pkg-map "${file}": section "${key}" must be an object`)
    }
    return value
  }
  const releases = pickObject(section('release'), target.distro, `${file}: release`)
  const layers = [
    readNames(section('default'), `${file}: default`),
    pickNames(section('family'), findDistroFamily(target.distro), `${file}: family`),
    pickNames(section('distro'), target.distro, `${file}: distro`),
    pickNames(
      releases,
      releaseKey(releases, target.release),
      `${file}: release ${target.distro ?? ''}`,
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

function pickObject(
  section: Record<string, unknown> | undefined,
  key: string | undefined,
  where: string,
): Record<string, unknown> | undefined {
  if (section === undefined || key === undefined || !Object.hasOwn(section, key)) return undefined
  const value = section[key]
  if (value === null) return undefined
  if (!isPlainObject(value)) {
    throw new ConfigError(`Cannot read pkg-map ${where} "${key}": expected an object`)
  }
  return value
}

function pickNames(
  section: Record<string, unknown> | undefined,
  key: string | undefined,
  where: string,
): Map<string, string[]> {
  return readNames(pickObject(section, key, where), `${where} "${key ?? ''}"`)
}

function readNames(
  names: Record<string, unknown> | undefined,
  where: string,
): Map<string, string[]> {
  const map = new Map<string, string[]>()
  if (names === undefined) return map
  for (const [name, value] of Object.entries(names)) {
    if (!MAP_NAME.test(name)) {
      throw new ConfigError(`Cannot read pkg-map ${where}: "${name}" is not a usable package name`)
    }
    map.set(name, readPackages(value, `${where}: "${name}"`))
  }
  return map
}

function readPackages(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return []
  const words = typeof value === 'string' ? [value] : value
  if (!Array.isArray(words) || !words.every((word) => typeof word === 'string')) {
    throw new ConfigError(
      `Cannot read pkg-map ${where}: expected a string of package names, found ${describeType(value)}`,
    )
  }
  const packages = words.flatMap((word) => word.split(/\s+/)).filter((word) => word !== '')
  for (const pkg of packages) {
    if (pkg.startsWith('-')) {
      throw new ConfigError(`Cannot read pkg-map ${where}: package "${pkg}" starts with "-"`)
    }
  }
  return packages
}
