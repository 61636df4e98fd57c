// DIB_CHECKSUM's value, a setting (settings.ts) that output/ acts on: which checksum files to
// write beside each output.
import { ConfigError } from '../errors.ts'

export const CHECKSUM_ALGORITHMS = ['md5', 'sha256'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]

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
