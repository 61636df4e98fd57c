// Debian's Release file of one suite, rewritten as a stand-in Ubuntu mirror's: the suite and
// code name Ubuntu's would carry (noble-updates, noble), only the components kept from Debian
// (main) plus index files the stand-in serves itself (universe), checksums for those computed
// here. Everything else (Date, Valid-Until, Acquire-By-Hash, the checksums of the kept files)
// stays Debian's, so apt still checks Debian's index files against Debian's hashes; only the
// signature over the whole changes (the stand-in signs with its own key).
import { createHash } from 'node:crypto'

export interface ReleaseRewrite {
  /** The suite as Ubuntu names it: noble, noble-updates, noble-security... */
  readonly suite: string
  /** Ubuntu's code name, the same for every suite of a release: noble. */
  readonly codename: string
  /** Upstream components whose files are listed unchanged (main). */
  readonly keep: readonly string[]
  /** Files the stand-in serves itself, by path below dists/SUITE/ (universe/binary-amd64/Packages). */
  readonly added: ReadonlyMap<string, Buffer>
}

/** Release's checksum lists and the digest each one holds. */
export const HASH_FIELDS: Readonly<Record<string, string>> = {
  MD5Sum: 'md5',
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA512: 'sha512',
}

/** Fields dropped from the header: a Signed-By naming Debian's keys would refuse the stand-in's. */
const DROPPED = new Set(['Signed-By'])

export function rewriteRelease(upstream: string, rewrite: ReleaseRewrite): string {
  const addedComponents = [...rewrite.added.keys()].map((path) => path.split('/')[0] ?? path)
  const components = [...new Set([...rewrite.keep, ...addedComponents])]
  const replaced: Record<string, string> = {
    Suite: rewrite.suite,
    Codename: rewrite.codename,
    Components: components.join(' '),
  }
  const out: string[] = []
  let hash: string | undefined
  const flushAdded = (): void => {
    if (hash === undefined) return
    for (const [path, body] of rewrite.added) {
      const digest = createHash(hash).update(body).digest('hex')
      out.push(` ${digest} ${String(body.length).padStart(8)} ${path}`)
    }
  }
  for (const line of upstream.split('\n')) {
    if (line.startsWith(' ')) {
      const path = line.trim().split(/\s+/)[2] ?? ''
      if (hash === undefined || rewrite.keep.includes(path.split('/')[0] ?? '')) out.push(line)
      continue
    }
    flushAdded()
    hash = undefined
    const field = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line)
    if (field === null) {
      if (line !== '') out.push(line)
      continue
    }
    const [, name = '', value = ''] = field
    if (DROPPED.has(name)) continue
    if (name in HASH_FIELDS && value === '') hash = HASH_FIELDS[name]
    out.push(name in replaced ? `${name}: ${replaced[name]}` : line)
  }
  flushAdded()
  return `${out.join('\n')}\n`
}
