// The package indexes a Debian-family root is built from: the Release head of every "deb" suite
// of the build's apt sources, as one text record. The debootstrap element stores the record
// beside the root tarball it bootstraps, and the step cache keys a root by it, so a root
// unpacked from that tarball and a root bootstrapped now from the same indexes get one key.
import { lookUpSuite, type LookupOptions } from './fetch-release.ts'
import type { ReleaseFacts } from './release-file.ts'

export interface AptSuite {
  readonly mirror: string
  readonly suite: string
}

/** The "deb" suites of DIB_APT_SOURCES_CONF-form sources ("name:deb [opts] URL SUITE ..."). */
export function aptSuites(sourcesConf: string): AptSuite[] {
  const suites: AptSuite[] = []
  for (const line of sourcesConf.split('\n')) {
    const match = /^[^:]*:\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim())
    if (match?.[1] && match[2])
      suites.push({ mirror: match[1].replace(/\/$/, ''), suite: match[2] })
  }
  return suites
}

export interface SuiteIndex {
  readonly suite: AptSuite
  readonly facts: ReleaseFacts
}

/** One line per suite: "MIRROR SUITE CODENAME DATE VERSION" (the date has blanks: last but one). */
export function packageIndexRecord(indexes: readonly SuiteIndex[]): string {
  return indexes
    .map(({ suite, facts }) =>
      [suite.mirror, suite.suite, facts.codename, facts.date, facts.version ?? '-'].join(' '),
    )
    .join('\n')
}

/**
 * Every suite's Release head, asked at once (each is a round trip to a mirror, and a no-op
 * build waits for them); 'unknown' with the suite when one cannot be read.
 */
export async function lookUpPackageIndex(
  sourcesConf: string,
  options: LookupOptions,
): Promise<SuiteIndex[] | { readonly unknown: AptSuite }> {
  const suites = aptSuites(sourcesConf)
  const outcomes = await Promise.all(
    suites.map(({ mirror, suite }) => lookUpSuite(mirror, suite, options)),
  )
  const indexes: SuiteIndex[] = []
  for (const [i, outcome] of outcomes.entries()) {
    const suite = suites[i]
    if (suite === undefined) continue
    if (outcome.kind !== 'found') return { unknown: suite }
    indexes.push({ suite, facts: outcome.facts })
  }
  return indexes
}
