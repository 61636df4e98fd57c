// The head of a Debian archive's Release file (dists/SUITE/Release): which release a suite
// name stands for today, and when the archive last changed it.

export interface ReleaseFacts {
  /** The archive's name for the release's role (stable, testing...), when it has one. */
  readonly suite: string | undefined
  /** What the suite stands for today (trixie, forky, sid...). */
  readonly codename: string
  /** The point release (13.8), absent for testing and unstable. */
  readonly version: string | undefined
  /** When the archive last published the suite, as written there (RFC 2822, UTC). */
  readonly date: string
  /** After this, apt refuses the suite unless told otherwise (testing and unstable). */
  readonly validUntil: string | undefined
}

/**
 * The single-line fields before the first checksum list. Returns undefined when the text has
 * no Codename or Date (not a Release file: an error page, a truncated download).
 */
export function parseReleaseHead(text: string): ReleaseFacts | undefined {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('-----BEGIN') || line.startsWith('Hash:') || line.trim() === '') {
      if (fields.size > 0 && line.trim() === '') break
      continue
    }
    const match = /^([A-Za-z0-9-]+):[ \t]*(.*?)\s*$/.exec(line)
    if (!match) continue
    const [, key = '', value = ''] = match
    // MD5Sum:, SHA256:... open the (long) file lists: the head is over.
    if (value === '') break
    fields.set(key, value)
  }
  const codename = fields.get('Codename')
  const date = fields.get('Date')
  if (codename === undefined || date === undefined) return undefined
  return {
    suite: fields.get('Suite'),
    codename,
    version: fields.get('Version'),
    date,
    validUntil: fields.get('Valid-Until'),
  }
}

/** True when `facts` carries a Valid-Until that `now` is past. */
export function isExpired(facts: ReleaseFacts, now: Date): boolean {
  if (facts.validUntil === undefined) return false
  const until = Date.parse(facts.validUntil)
  return Number.isFinite(until) && until < now.getTime()
}

/** "2026-11-21" from "Sat, 21 Nov 2026 09:15:44 UTC"; the text itself when it is not a date. */
export function isoDay(date: string): string {
  const time = Date.parse(date)
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : date
}
