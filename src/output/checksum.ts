// Checksum files next to every output, in the format md5sum/sha256sum print so that
// `sha256sum -c debian.qcow2.sha256` works. One streamed read computes every algorithm.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
// The spec parser is a setting's (src/config/settings.ts); the names stay importable from here.
import { type ChecksumAlgorithm } from '../config/checksum-spec.ts'
export {
  CHECKSUM_ALGORITHMS,
  parseChecksumSpec,
  type ChecksumAlgorithm,
} from '../config/checksum-spec.ts'

export type Checksums = Partial<Record<ChecksumAlgorithm, string>>

export function checksumPathFor(file: string, algorithm: ChecksumAlgorithm): string {
  return `${file}.${algorithm}`
}

/**
 * One line as md5sum/sha256sum print it: `<hash>  <name>`. Names with a backslash or newline
 * are escaped and the line starts with a backslash, as coreutils does.
 */
export function formatChecksumLine(hash: string, file: string): string {
  const name = basename(file)
  if (!/[\\\n]/.test(name)) return `${hash}  ${name}\n`
  return `\\${hash}  ${name.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n`
}

export async function hashFile(
  path: string,
  algorithms: readonly ChecksumAlgorithm[],
  signal?: AbortSignal,
): Promise<Checksums> {
  if (algorithms.length === 0) return {}
  const hashes = algorithms.map((algorithm) => ({ algorithm, hash: createHash(algorithm) }))
  const stream = createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(signal === undefined ? {} : { signal }),
  })
  for await (const chunk of stream) for (const { hash } of hashes) hash.update(chunk as Buffer)
  const result: Checksums = {}
  for (const { algorithm, hash } of hashes) result[algorithm] = hash.digest('hex')
  return result
}
