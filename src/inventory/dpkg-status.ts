// The installed packages of a Debian image, read from its dpkg database (var/lib/dpkg/status):
// a pure parser of the RFC 822-style paragraphs, so it can be tested on text.

export interface DpkgPackage {
  readonly name: string
  readonly version: string
  readonly arch: string
  readonly source: string
  readonly sourceVersion: string
  /** Installed-Size is in KiB. */
  readonly installedBytes: number
}

/** Paragraphs of "Field: value" lines; continuation lines (leading space) are joined. */
export function parseControlParagraphs(text: string): Map<string, string>[] {
  const paragraphs: Map<string, string>[] = []
  let current = new Map<string, string>()
  let field: string | undefined
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) paragraphs.push(current)
      current = new Map()
      field = undefined
      continue
    }
    if ((line.startsWith(' ') || line.startsWith('\t')) && field !== undefined) {
      current.set(field, `${current.get(field) ?? ''}\n${line.trim()}`)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    field = line.slice(0, colon).trim().toLowerCase()
    current.set(field, line.slice(colon + 1).trim())
  }
  if (current.size > 0) paragraphs.push(current)
  return paragraphs
}

/** Installed packages only ("install ok installed"), sorted by name and architecture. */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  const packages: DpkgPackage[] = []
  for (const p of parseControlParagraphs(text)) {
    const name = p.get('package')
    const version = p.get('version')
    if (name === undefined || version === undefined) continue
    if (!(p.get('status') ?? '').endsWith(' installed')) continue
    const source = /^(\S+)(?:\s+\((\S+)\))?/.exec(p.get('source') ?? '')
    packages.push({
      name,
      version,
      arch: p.get('architecture') ?? 'all',
      source: source?.[1] ?? name,
      sourceVersion: source?.[2] ?? version,
      installedBytes: Number.parseInt(p.get('installed-size') ?? '0', 10) * 1024 || 0,
    })
  }
  return packages.sort((a, b) => compare(a.name, b.name) || compare(a.arch, b.arch))
}

// Byte order, not locale order: the same database always gives the same list.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
