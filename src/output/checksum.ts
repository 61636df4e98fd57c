// Checksum files next to every output, in the format md5sum/sha256sum print so that
// `sha256sum -c debian.qcow2.sha256` works. One streamed read computes every algorithm.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { ConfigError } from '../errors.ts'

export const CHECKSUM_ALGORITHMS = ['md5', 'sha256'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]

export type Checksums = Partial<Record<ChecksumAlgorithm, string>>

function isAlgorithm(value: string): value is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(value)
}

/**
 * DIB_CHECKSUM (and `--checksum`, which sets it to 1): unset, empty or `0` for none, `1` for
 * both, or a comma list of `md5` and `sha256`.
 */
export function parseChecksumSpec(
  value: string | undefined,
  source = 'DIB_CHECKSUM',
): ChecksumAlgorithm[] {
  const spec = (value ?? '').trim().toLowerCase()
  if (spec === '' || spec === '0') return []
  if (spec === '1') return [...CHECKSUM_ALGORITHMS]
  const wanted = new Set<ChecksumAlgorithm>()
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (!isAlgorithm(part)) {
      throw new ConfigError(
        `Cannot use ${source} "${value ?? ''}": "${part}" is not a checksum type; ` +
          'expected "1", "md5", "sha256" or "md5,sha256"',
      )
    }
    wanted.add(part)
  }
  return CHECKSUM_ALGORITHMS.filter((algorithm) => wanted.has(algorithm))
}

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
