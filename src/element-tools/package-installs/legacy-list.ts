// The deprecated form: a file `package-installs-<element>` inside a phase directory, one package
// per line, `#` comments, a leading "-" meaning "remove again at the end of this phase". DIB's
// late script of each phase removed the "-" packages listed in that phase's directory, so they
// are build-only in that phase. The suffix names the element whose pkg-map applies.
import { checkPackageName, type PackageOp } from './params.ts'

export const LEGACY_PREFIX = 'package-installs-'

export interface LegacyPackage {
  readonly name: string
  readonly op: PackageOp
}

export function parseLegacyList(text: string, file: string): LegacyPackage[] {
  const packages: LegacyPackage[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const removed = line.startsWith('-')
    const words = (removed ? line.slice(1) : line).split(/\s+/).filter((word) => word !== '')
    for (const name of words) {
      checkPackageName(name, file)
      packages.push({ name, op: removed ? 'build-only' : 'install' })
    }
  }
  return packages
}

/** The element a legacy file belongs to, or undefined when the name is not a legacy list. */
export function readLegacyElement(fileName: string): string | undefined {
  if (!fileName.startsWith(LEGACY_PREFIX)) return undefined
  const element = fileName.slice(LEGACY_PREFIX.length)
  return element === '' ? undefined : element
}
