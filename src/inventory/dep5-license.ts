// A package's licence from its machine-readable (DEP-5) copyright file, as an SPDX licence
// expression: the licence of its "Files: *" paragraph. Debian's short names are mapped to SPDX
// identifiers; a name with no SPDX identifier becomes a LicenseRef-, which both SPDX and
// CycloneDX accept. Files that are not DEP-5 state no licence we can read: undefined.
import CDX from '@cyclonedx/cyclonedx-library'
import { parseControlParagraphs } from './dpkg-status.ts'

const DEP5_FORMAT =
  /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/

// Debian short names (copyright-format 1.0 and common use) whose SPDX identifier differs.
const SPDX_NAMES: Readonly<Record<string, string>> = {
  'apache-2.0': 'Apache-2.0',
  artistic: 'Artistic-1.0-Perl',
  'artistic-2.0': 'Artistic-2.0',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause',
  'cc0-1.0': 'CC0-1.0',
  cc0: 'CC0-1.0',
  expat: 'MIT',
  mit: 'MIT',
  isc: 'ISC',
  zlib: 'Zlib',
  'mpl-1.1': 'MPL-1.1',
  'mpl-2.0': 'MPL-2.0',
  openssl: 'OpenSSL',
  'psf-2': 'PSF-2.0',
  'python-2.0': 'Python-2.0',
  x11: 'X11',
  curl: 'curl',
  ftl: 'FTL',
  'bsl-1.0': 'BSL-1.0',
  'unicode-dfs-2016': 'Unicode-DFS-2016',
  wtfpl: 'WTFPL',
  unlicense: 'Unlicense',
  'bzip2-1.0.6': 'bzip2-1.0.6',
  ijg: 'IJG',
  libpng: 'Libpng',
}
const GNU = /^(a?gpl|lgpl|gfdl)-(\d(?:\.\d)?)(\+)?$/

/** One Debian licence short name as an SPDX identifier (or LicenseRef-). */
export function spdxLicenseId(shortName: string): string {
  const name = shortName.trim()
  const lower = name.toLowerCase()
  const known = SPDX_NAMES[lower]
  if (known !== undefined) return known
  const gnu = GNU.exec(lower)
  if (gnu) {
    const family = (gnu[1] ?? '').toUpperCase()
    const version = (gnu[2] ?? '').includes('.') ? (gnu[2] ?? '') : `${gnu[2] ?? ''}.0`
    // LGPL-2 and GFDL-1 are not SPDX versions: only 2.0/2.1/3.0 and 1.1/1.2/1.3 are.
    const valid =
      family === 'LGPL'
        ? ['2.0', '2.1', '3.0']
        : family === 'GFDL'
          ? ['1.1', '1.2', '1.3']
          : ['1.0', '2.0', '3.0']
    if (valid.includes(version))
      return `${family}-${version}-${gnu[3] === '+' ? 'or-later' : 'only'}`
  }
  // Many copyright files already use SPDX identifiers ("0BSD", "GPL-2.0-only"), in any case.
  const spdx = CDX.SPDX.fixupSpdxId(name)
  if (spdx !== undefined) return spdx
  return `LicenseRef-${
    name
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '') || 'unknown'
  }`
}

/** "GPL-2+ or Artistic" → "GPL-2.0-or-later OR Artistic-1.0-Perl"; commas bind like "and". */
export function spdxExpression(debianLicense: string): string | undefined {
  const words = debianLicense
    .replace(/,/g, ' and ')
    .split(/\s+/)
    .filter((w) => w !== '')
  if (words.length === 0) return undefined
  const out: string[] = []
  let pending: string[] = []
  const flush = (): void => {
    if (pending.length > 0) out.push(spdxLicenseId(pending.join('-')))
    pending = []
  }
  for (const word of words) {
    const operator = word.toLowerCase()
    if (operator === 'or' || operator === 'and') {
      flush()
      if (out.length > 0 && !['OR', 'AND'].includes(out.at(-1) ?? ''))
        out.push(operator.toUpperCase())
      continue
    }
    // "with X exception" keeps its meaning only as part of the name
    pending.push(word)
  }
  flush()
  while (out.length > 0 && ['OR', 'AND'].includes(out.at(-1) ?? '')) out.pop()
  return out.length === 0 ? undefined : out.join(' ')
}

/** The licence of a DEP-5 copyright file's "Files: *" paragraph, else of its header. */
export function licenseOfCopyright(text: string): string | undefined {
  const paragraphs = parseControlParagraphs(text)
  const header = paragraphs[0]
  if (!DEP5_FORMAT.test(header?.get('format') ?? '')) return undefined
  const all = paragraphs.find((p) => (p.get('files') ?? '').split(/\s+/).includes('*'))
  const license = (all ?? header)?.get('license')
  const firstLine = license?.split('\n')[0]?.trim()
  return firstLine ? spdxExpression(firstLine) : undefined
}
