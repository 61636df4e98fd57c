// Options the farm commands share: the database, the farm key, numbers.
import { readFileSync } from 'node:fs'
import { Option } from '@commander-js/extra-typings'
import { variableOf } from '../../config/settings.ts'
import { UsageError } from '../../errors.ts'
import { parseFarmKey } from '../../farm/secrets.ts'

export const DEFAULT_ARTIFACTS_DIR = '/var/lib/imagewright/artifacts'

export function dbOption(): Option<'--db <url>', undefined, undefined, string, true> {
  return new Option(
    '--db <url>',
    'PostgreSQL URL of the farm, e.g. postgres://imagewright@db/imagewright (or $IMAGEWRIGHT_DB)',
  )
    .env(variableOf('farmDb'))
    .makeOptionMandatory()
}

export function keyOption(): Option<
  '--key <file>',
  undefined,
  undefined,
  string | undefined,
  false
> {
  return new Option(
    '--key <file>',
    'farm key file (32 bytes, hex or base64) that seals DIB_* secrets (or $IMAGEWRIGHT_FARM_KEY_FILE)',
  ).env(variableOf('farmKeyFile'))
}

export function readFarmKey(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `Option "--key" names "${file}", which cannot be read: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return parseFarmKey(text, file)
}

/** A whole number option within [min, max]. */
export function wholeNumber(
  option: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(
      `Option "${option}" needs a whole number from ${min} to ${max}: got "${value}"`,
    )
  }
  return n
}
