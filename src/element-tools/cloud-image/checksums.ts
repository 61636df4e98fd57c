// Checksum lists published beside cloud images: `sha256sum` output ("DIGEST  NAME", "DIGEST
// *NAME" for binary mode) as Ubuntu's SHA256SUMS, and the tagged form "SHA256 (NAME) = DIGEST"
// of `sha256sum --tag`, used by CentOS, Fedora and Rocky CHECKSUM files. Signature armour and
// comment lines around them are skipped. Shared by every element that downloads a base image.

const PLAIN = /^([0-9a-fA-F]{64}) [ *](.+)$/
const TAGGED = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/

/** Every entry of the list: file name → lower-case SHA-256 digest (the last entry for a name wins). */
export function parseChecksumList(text: string): Map<string, string> {
  const entries = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim()
    const plain = PLAIN.exec(line)
    if (plain?.[1] !== undefined && plain[2] !== undefined) {
      entries.set(plain[2], plain[1].toLowerCase())
      continue
    }
    const tagged = TAGGED.exec(line)
    if (tagged?.[1] !== undefined && tagged[2] !== undefined)
      entries.set(tagged[1], tagged[2].toLowerCase())
  }
  return entries
}

/** The digest the list gives for `name` (a bare file name, or a path ending in it). */
export function checksumFor(text: string, name: string): string | undefined {
  const entries = parseChecksumList(text)
  const base = name.slice(name.lastIndexOf('/') + 1)
  return entries.get(name) ?? entries.get(base) ?? entries.get(`./${base}`)
}
