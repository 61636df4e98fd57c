// What both SBOM formats are made from: the image's name, its packages, the distribution and
// the moment to state (SOURCE_DATE_EPOCH when set). Identifiers are derived from the content,
// so the same inputs always give the same bytes.
import { createHash } from 'node:crypto'
import { PackageURL } from 'packageurl-js'
import type { PackageInfo } from '../report/events.ts'
import { readSetting } from '../config/settings.ts'

export interface SbomInput {
  /** The image's base name, e.g. "debian" for debian.qcow2. */
  readonly imageName: string
  readonly packages: readonly PackageInfo[]
  /** "debian-13": the distro qualifier of the package URLs. */
  readonly distro: string | undefined
  readonly created: Date
  readonly toolVersion: string
}

/** pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-13 (the namespace is the distro's ID). */
export function packageUrl(pkg: PackageInfo, distro: string | undefined): string {
  const namespace = distro?.split('-')[0] ?? 'debian'
  const qualifiers: Record<string, string> = { arch: pkg.arch }
  if (distro !== undefined) qualifiers['distro'] = distro
  return new PackageURL('deb', namespace, pkg.name, pkg.version, qualifiers, undefined).toString()
}

/** A digest of everything an SBOM says, for its namespace and serial number. */
export function contentDigest(input: SbomInput): string {
  const hash = createHash('sha256')
  const packages = input.packages.map((p) => JSON.stringify(p)).sort()
  hash.update(
    JSON.stringify([
      input.imageName,
      input.distro,
      input.created.toISOString(),
      input.toolVersion,
      packages,
    ]),
  )
  return hash.digest('hex')
}

/** An RFC 4122 (version 5 style) UUID from a digest: stable, and valid where a UUID is required. */
export function uuidFromDigest(hex: string): string {
  const b = hex.slice(0, 32).split('')
  b[12] = '5'
  b[16] = ((Number.parseInt(b[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
  const s = b.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`
}

/** SOURCE_DATE_EPOCH (seconds) when set, else now; whole seconds either way. */
export function sbomTime(env: Readonly<Record<string, string>>, now: Date = new Date()): Date {
  return new Date((readSetting(env, 'sourceDateEpoch') ?? Math.floor(now.getTime() / 1000)) * 1000)
}

export const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z')
