// A resolved release as shell assignments, for hooks to `eval`.
import { isoDay } from './release-file.ts'
import type { ResolvedRelease } from './resolve.ts'

/** Single-quoted for bash: safe for any value, newlines included. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

export function releaseAssignments(release: ResolvedRelease): string {
  const facts: [string, string][] = [
    ['DIB_DEBIAN_CODENAME', release.codename],
    ['DIB_DEBIAN_SUITE', release.suite ?? ''],
    ['DIB_DEBIAN_VERSION', release.version ?? ''],
    ['DIB_DEBIAN_RELEASE_DATE', release.date ?? ''],
    ['DIB_DEBIAN_RELEASE_EXPIRED', release.expired ? '1' : '0'],
    ['DIB_DEBIAN_APT_SOURCES', release.sourcesConf],
  ]
  return facts.map(([name, value]) => `${name}=${shellQuote(value)}\n`).join('')
}

/** One line for people: "stable → trixie (13.8), archive of 2026-11-21". */
export function describeRelease(release: ResolvedRelease): string {
  const name =
    release.requested === release.codename
      ? release.codename
      : `${release.requested} → ${release.codename}`
  const version = release.version === undefined ? '' : ` (${release.version})`
  const date =
    release.date === undefined
      ? 'archive date unknown (offline, not cached)'
      : `archive of ${isoDay(release.date)}`
  const from = release.source === 'cache' ? ', from the cached Release file' : ''
  return `${name}${version}, ${date}${from}`
}
