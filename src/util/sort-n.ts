// The order of `LANG=C sort -n`, which dib-run-parts uses for hook scripts and environment.d
// files. Element authors pick numeric prefixes against that order, so it must match exactly.

/**
 * Compare like GNU `LANG=C sort -n` on whole lines: first by the leading number (blanks skipped,
 * optional `-`, digits, optional `.` and fraction; anything else counts as 0), then, when the
 * numbers are equal, by the bytes of the whole line (sort's last-resort comparison).
 */
export function compareSortN(a: string, b: string): number {
  return compareNumericKeys(readNumericKey(a), readNumericKey(b)) || compareBytes(a, b)
}

/** Byte-wise comparison of the UTF-8 encodings, like memcmp in the C locale. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

interface NumericKey {
  readonly negative: boolean
  /** Integer digits without leading zeros. */
  readonly integer: string
  /** Fraction digits without trailing zeros. */
  readonly fraction: string
}

// In the C locale there is no thousands separator and the decimal point is '.'.
function readNumericKey(line: string): NumericKey {
  let i = 0
  while (line[i] === ' ' || line[i] === '\t') i++
  let negative = false
  if (line[i] === '-') {
    negative = true
    i++
  }
  const integerStart = i
  while (isDigit(line[i])) i++
  const integer = line.slice(integerStart, i).replace(/^0+/, '')
  let fraction = ''
  if (line[i] === '.') {
    const fractionStart = ++i
    while (isDigit(line[i])) i++
    fraction = line.slice(fractionStart, i).replace(/0+$/, '')
  }
  // "-0", "-" and "-.0" are all zero, which has no sign.
  if (integer === '' && fraction === '') negative = false
  return { negative, integer, fraction }
}

function compareNumericKeys(a: NumericKey, b: NumericKey): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1
  const magnitude = compareMagnitudes(a, b)
  return a.negative ? -magnitude : magnitude
}

function compareMagnitudes(a: NumericKey, b: NumericKey): number {
  // Without leading zeros a longer integer part is the larger number; equal lengths compare
  // digit by digit, which is also how the fractions compare once trailing zeros are gone.
  if (a.integer.length !== b.integer.length) return a.integer.length < b.integer.length ? -1 : 1
  return compareAscii(a.integer, b.integer) || compareAscii(a.fraction, b.fraction)
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9'
}
