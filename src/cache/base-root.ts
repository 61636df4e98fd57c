// What a Debian-family root is built FROM, as key inputs: the same whether root.d bootstraps it
// now or unpacks the tarball an earlier bootstrap saved, as long as both come from the same
// package indexes. A tarball records the indexes it was bootstrapped from in its settings file
// (the debootstrap element writes "package-index=" lines there); a fresh bootstrap is keyed by
// today's. A tarball older than today's indexes gets another key: never taken for a fresh root.
import { digestOf, type InputPart } from './step-keys.ts'

const RECORD_PREFIX = 'package-index='

/** The package-index record of a tarball's settings file; undefined when it has none. */
export function recordedPackageIndex(settingsText: string): string | undefined {
  const lines = settingsText
    .split('\n')
    .filter((line) => line.startsWith(RECORD_PREFIX))
    .map((line) => line.slice(RECORD_PREFIX.length))
  return lines.length === 0 ? undefined : lines.join('\n')
}

/** The bootstrap tarball root.d would unpack, as the key sees it. */
export type BaseTarball =
  | { readonly kind: 'none' }
  | { readonly kind: 'recorded'; readonly packageIndex: string }
  /** Saved before tarballs recorded their indexes: only its content can stand for it. */
  | { readonly kind: 'unrecorded'; readonly fileDigest: string }

export interface BaseRootFacts {
  readonly codename: string
  /** DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE=1 or an offline build: root.d reuses a saved tarball. */
  readonly usesTarball: boolean
  readonly tarball: BaseTarball
  /** Today's package-index record of the build's apt suites. */
  readonly currentPackageIndex: string
}

export function baseRootParts(facts: BaseRootFacts): InputPart[] {
  const parts: InputPart[] = [{ name: 'base root codename', digest: digestOf(facts.codename) }]
  // Without the tarball cache root.d always bootstraps from today's indexes, which the
  // "package index" inputs already are.
  if (!facts.usesTarball) return parts
  const { tarball } = facts
  if (tarball.kind === 'unrecorded')
    return [...parts, { name: 'base root tarball', digest: tarball.fileDigest }]
  const from = tarball.kind === 'recorded' ? tarball.packageIndex : facts.currentPackageIndex
  return [...parts, { name: 'base root package index', digest: digestOf(from) }]
}
