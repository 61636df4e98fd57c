// A base image published compressed (`.qcow2.xz`, `.raw.xz`): verified as published, on the
// compressed file, then unpacked once beside it in the cache. A marker names the digest of the
// `.xz` the unpacked copy came from, so a new download unpacks again and a cache hit does not.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { ImageInputError } from '../../errors.ts'
import type { Runner } from '../../exec/command.ts'
import type { Reporter } from '../../report/events.ts'

export const isCompressed = (path: string): boolean => path.endsWith('.xz')

/** Where the unpacked copy of a cached `.xz` lives: the same name without `.xz`. */
export const unpackedPath = (path: string): string => path.replace(/\.xz$/, '')

const markerPath = (unpacked: string): string => `${unpacked}.unpacked-from`

export interface UnpackDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

/** The unpacked copy of the verified `.xz` at `path` whose SHA-256 is `sha256`. */
export async function unpackCached(
  path: string,
  sha256: string,
  deps: UnpackDeps,
): Promise<string> {
  const unpacked = unpackedPath(path)
  const marker = markerPath(unpacked)
  const from = await readFile(marker, 'utf8').catch(() => '')
  if (from.trim() === sha256) {
    deps.reporter.emit({
      kind: 'info',
      message: `${basename(unpacked)} was unpacked from this ${basename(path)} before: not unpacked again`,
    })
    return unpacked
  }
  // No marker while the copy is incomplete: an interrupted unpack is redone by the next build.
  await rm(marker, { force: true })
  const result = await deps.runner.run(
    { argv: ['xz', '--decompress', '--keep', '--force', path], label: `unpack ${basename(path)}` },
    { allowFailure: true },
  )
  if (result.exitCode !== 0) {
    await rm(unpacked, { force: true })
    const reason = result.stderr.trim().split('\n').at(-1) ?? `exit status ${result.exitCode}`
    throw new ImageInputError(`Cannot unpack ${path}: ${reason}`, {
      hint: 'The file matched its published checksum: check the free space in DIB_IMAGE_CACHE',
    })
  }
  await writeFile(marker, `${sha256}\n`)
  deps.reporter.emit({ kind: 'info', message: `Unpacked ${basename(path)} to ${unpacked}` })
  return unpacked
}
