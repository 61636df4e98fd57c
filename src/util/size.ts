// Size specs as diskimage-builder's block-device configs write them: "2.5GiB", "100MB", "4096".
// Binary units are 1024-based, SI units (and their one-letter forms) 1000-based, and a bare
// number counts bytes. Arithmetic is done on decimal digits with BigInt so "0.1MB" is exactly
// 100000 bytes instead of whatever a float product rounds to.
import { ConfigError } from '../errors.ts'

const KIB = 1024n
const KB = 1000n

/** Multiplier per unit; units are case-sensitive, as in DIB. */
export const SIZE_UNITS: Readonly<Record<string, bigint>> = {
  TiB: KIB ** 4n,
  GiB: KIB ** 3n,
  MiB: KIB ** 2n,
  KiB: KIB,
  TB: KB ** 4n,
  GB: KB ** 3n,
  MB: KB ** 2n,
  KB: KB,
  T: KB ** 4n,
  G: KB ** 3n,
  M: KB ** 2n,
  K: KB,
  B: 1n,
  '': 1n,
}

const SIZE_PATTERN = /^(\d+(?:\.\d*)?|\.\d+) ?([A-Za-z]*)$/
const PERCENT_PATTERN = /^(\d+(?:\.\d*)?|\.\d+) ?%$/

export type SizeSpec =
  | { readonly kind: 'bytes'; readonly bytes: number }
  | { readonly kind: 'percent'; readonly percent: number }

const UNIT_LIST = Object.keys(SIZE_UNITS)
  .filter((unit) => unit !== '')
  .join(', ')

/** Bytes for an absolute size spec such as "2.5GiB", "100M" or 4096; fractions of a byte are dropped. */
export function parseSize(spec: string | number): number {
  if (typeof spec === 'number') return bytesFromNumber(spec)
  const text = spec.trim()
  if (text.endsWith('%')) {
    throw new ConfigError(
      `Cannot parse size "${spec}": a percentage is only allowed for partitions`,
    )
  }
  const match = SIZE_PATTERN.exec(text)
  if (!match) {
    throw new ConfigError(
      `Cannot parse size "${spec}": expected a number with an optional unit, such as "512MiB"`,
    )
  }
  const [, digits = '', unit = ''] = match
  const multiplier = SIZE_UNITS[unit]
  if (multiplier === undefined) {
    throw new ConfigError(
      `Cannot parse size "${spec}": unknown unit "${unit}" (use one of ${UNIT_LIST})`,
    )
  }
  return toSafeNumber(spec, scaleDecimal(digits, multiplier))
}

/** An absolute size, or a percentage (0 < p <= 100) of the space still free, as partitions allow. */
export function parseSizeOrPercent(spec: string | number): SizeSpec {
  if (typeof spec === 'string') {
    const match = PERCENT_PATTERN.exec(spec.trim())
    if (match) {
      const percent = Number(match[1])
      if (!(percent > 0 && percent <= 100)) {
        throw new ConfigError(
          `Cannot parse size "${spec}": a percentage must be above 0 and at most 100`,
        )
      }
      return { kind: 'percent', percent }
    }
  }
  return { kind: 'bytes', bytes: parseSize(spec) }
}

/** Bytes a size spec stands for once the free space it may take a share of is known. */
export function resolveSizeSpec(spec: SizeSpec, freeBytes: number): number {
  if (spec.kind === 'bytes') return spec.bytes
  // Percentages are whole-byte shares, rounded down like every other size.
  return Number((BigInt(freeBytes) * BigInt(Math.round(spec.percent * 1e6))) / 100_000_000n)
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** `bytes` in the largest binary unit that keeps it at 1 or more: 1536 -> 1.5 KiB. */
export function scaleBinary(bytes: number): { value: number; unit: (typeof BINARY_UNITS)[number] } {
  let value = bytes
  let index = 0
  while (value >= 1024 && index < BINARY_UNITS.length - 1) {
    value /= 1024
    index += 1
  }
  return { value, unit: BINARY_UNITS[index] ?? 'B' }
}

/** "1.5 GiB" style text for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const
  let value = bytes
  let index = 0
  while (value >= 1024 && index < units.length - 1 && value % 1024 === 0) {
    value /= 1024
    index += 1
  }
  return `${value} ${units[index] ?? 'B'}`
}

function scaleDecimal(digits: string, multiplier: bigint): bigint {
  const [whole = '', fraction = ''] = digits.split('.')
  const scale = 10n ** BigInt(fraction.length)
  const numerator =
    BigInt(whole === '' ? '0' : whole) * scale + BigInt(fraction === '' ? '0' : fraction)
  return (numerator * multiplier) / scale
}

function bytesFromNumber(value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`Cannot parse size "${value}": expected a non-negative number of bytes`)
  }
  return Math.floor(value)
}

function toSafeNumber(spec: string, bytes: bigint): number {
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConfigError(`Cannot parse size "${spec}": it is larger than any disk image can be`)
  }
  return Number(bytes)
}
