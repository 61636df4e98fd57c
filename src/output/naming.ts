// Where output files go, and what happens to an image already sitting there. Old images are
// kept under a timestamped name (diskimage-builder behaviour) unless OVERWRITE_OLD_IMAGE is set.
import { randomBytes } from 'node:crypto'
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { CHECKSUM_ALGORITHMS, checksumPathFor, type ChecksumAlgorithm } from './checksum.ts'
import { OUTPUT_FORMATS, type OutputFormat } from './formats.ts'

export const DEFAULT_IMAGE_NAME = 'image'

/**
 * The image base name from `-o`. As in diskimage-builder, when exactly one type is requested a
 * trailing `.<type>` is dropped (`-o debian.qcow2 -t qcow2` writes `debian.qcow2`); the file
 * extension is dropped too where it differs from the type name (`.oci.tar`).
 */
export function resolveImageName(name: string | undefined, types: readonly string[]): string {
  const given = name === undefined || name === '' ? DEFAULT_IMAGE_NAME : name
  const distinct = [...new Set(types)]
  if (distinct.length !== 1) return given
  const [type] = distinct as [string]
  const suffixes = [type, OUTPUT_FORMATS.get(type)?.extension]
    .filter((suffix): suffix is string => suffix !== undefined)
    .sort((a, b) => b.length - a.length)
  for (const suffix of suffixes) {
    const stripped = given.slice(0, -(suffix.length + 1))
    const keepsABaseName = basename(stripped) !== '' && !stripped.endsWith('/')
    if (given.endsWith(`.${suffix}`) && keepsABaseName) return stripped
  }
  return given
}

export function outputPathFor(imageName: string, format: OutputFormat): string {
  return resolve(`${imageName}.${format.extension}`)
}

/** OVERWRITE_OLD_IMAGE: unset, empty or `0` keeps old images; anything else overwrites. */
export function parseOverwriteOldImage(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '' && value.trim() !== '0'
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}

/** `YYYY.MM.DD-HH.MM.SS` in local time, the stamp diskimage-builder puts on old images. */
export function formatRetireStamp(date: Date): string {
  const day = `${date.getFullYear()}.${pad(date.getMonth() + 1)}.${pad(date.getDate())}`
  const time = `${pad(date.getHours())}.${pad(date.getMinutes())}.${pad(date.getSeconds())}`
  return `${day}-${time}`
}

/** `<name>-<stamp>.<ext>`; `attempt` > 1 disambiguates two retirements within one second. */
export function retiredPathFor(
  imageName: string,
  format: OutputFormat,
  stamp: string,
  attempt = 1,
): string {
  const unique = attempt > 1 ? `-${attempt}` : ''
  return resolve(`${imageName}-${stamp}${unique}.${format.extension}`)
}

/** A sibling of the final file: same directory, so committing it is an atomic rename. */
export function temporaryPathFor(
  finalPath: string,
  token = randomBytes(4).toString('hex'),
): string {
  return `${finalPath}.partial-${token}`
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/**
 * Rewrite checksum lines that name `from` so they name `to`, keeping `md5sum -c` working for a
 * renamed image.
 */
export function renameInChecksumText(text: string, from: string, to: string): string {
  return text
    .split('\n')
    .map((line) => (line.endsWith(`  ${from}`) ? `${line.slice(0, -from.length)}${to}` : line))
    .join('\n')
}

export interface RetiredOutput {
  readonly from: string
  readonly to: string
}

/**
 * Move an existing `finalPath` (and its checksum files) out of the way under a timestamped
 * name. Returns what was moved; nothing when there was no old image.
 */
export async function retireOldOutput(
  imageName: string,
  format: OutputFormat,
  now: Date = new Date(),
): Promise<RetiredOutput[]> {
  const finalPath = outputPathFor(imageName, format)
  if (!(await exists(finalPath))) return []
  const stamp = formatRetireStamp(now)
  let attempt = 1
  let target = retiredPathFor(imageName, format, stamp)
  while (await exists(target)) target = retiredPathFor(imageName, format, stamp, ++attempt)
  await rename(finalPath, target)
  const moved: RetiredOutput[] = [{ from: finalPath, to: target }]
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const from = checksumPathFor(finalPath, algorithm)
    if (!(await exists(from))) continue
    const to = checksumPathFor(target, algorithm)
    const text = await readFile(from, 'utf8')
    await writeFile(to, renameInChecksumText(text, basename(finalPath), basename(target)))
    await rm(from)
    moved.push({ from, to })
  }
  return moved
}

/** Checksum files of a replaced image that this build will not rewrite would lie about it. */
export async function removeStaleChecksums(
  finalPath: string,
  rewritten: readonly ChecksumAlgorithm[],
): Promise<void> {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    if (!rewritten.includes(algorithm))
      await rm(checksumPathFor(finalPath, algorithm), { force: true })
  }
}
