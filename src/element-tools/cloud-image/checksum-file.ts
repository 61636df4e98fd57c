// The checksum lists vendors publish beside their cloud images, in either of the two shapes
// in use: BSD style (`SHA256 (name) = digest`, CentOS, Rocky, Fedora) and coreutils style
// (`digest *name` or `digest  name`, Ubuntu's SHA256SUMS). Pure; shared by every element that
// downloads a base image.

export interface ChecksumEntry {
  readonly name: string
  /** Lower-case hex SHA-256. */
  readonly sha256: string
}

const BSD = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/
const COREUTILS = /^([0-9a-fA-F]{64}) [ *](.+)$/

/** Every SHA-256 entry of the file; PGP armour, comments and other digests are skipped. */
export function parseChecksumFile(text: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const bsd = BSD.exec(line)
    if (bsd) {
      entries.push({ name: bsd[1] ?? '', sha256: (bsd[2] ?? '').toLowerCase() })
      continue
    }
    const gnu = COREUTILS.exec(line)
    if (gnu)
      entries.push({
        name: (gnu[2] ?? '').replace(/^\.\//, ''),
        sha256: (gnu[1] ?? '').toLowerCase(),
      })
  }
  return entries
}

/** The digest listed for `name` (the last entry for a name wins), or undefined. */
export function digestFor(entries: readonly ChecksumEntry[], name: string): string | undefined {
  return entries.filter((entry) => entry.name === name).at(-1)?.sha256
}

/** The digest the list `text` gives for `name` (a bare file name, or a path ending in it). */
export function checksumFor(text: string, name: string): string | undefined {
  const entries = parseChecksumFile(text)
  return digestFor(entries, name) ?? digestFor(entries, name.slice(name.lastIndexOf('/') + 1))
}

/**
 * The newest image the list names that matches `pattern`: names carry their date or version,
 * so the last in natural order (9.10 after 9.9) is the newest. Of one image listed both plain
 * and as `.xz`, the plain one is taken: nothing to unpack.
 */
export function newestMatching(
  entries: readonly ChecksumEntry[],
  pattern: RegExp,
): string | undefined {
  const names = entries.map((entry) => entry.name).filter((name) => pattern.test(name))
  const plain = (name: string): string => name.replace(/\.xz$/, '')
  return names
    .sort(
      (a, b) =>
        plain(a).localeCompare(plain(b), 'en', { numeric: true }) ||
        Number(b.endsWith('.xz')) - Number(a.endsWith('.xz')),
    )
    .at(-1)
}
