// What `imagewright plan` says about a build's base image: where it comes from, the checksum the
// server publishes for it today, and whether the copy in DIB_IMAGE_CACHE is that one.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { getHttpText, isOk } from '../../util/http-get.ts'
import { checksumFor } from './checksum-file.ts'
import type { CloudImageSpec } from './ubuntu-image.ts'

const TIMEOUT_MS = 30_000

export type BaseImageState =
  /** The cached copy has the published checksum: a build downloads nothing but the list. */
  | 'current'
  /** The cached copy differs from the published checksum: a build downloads it again. */
  | 'outdated'
  /** Nothing cached: a build downloads it (an offline build stops). */
  | 'absent'
  /** Cached, but not verified yet or with no published checksum to compare it with. */
  | 'unchecked'

export interface PlannedBaseImage {
  readonly url: string
  readonly sumsUrl: string
  /** The published SHA-256, from the server (or, offline or unreachable, the cached list). */
  readonly sha256: string | undefined
  /** Where `sha256` was read; the reason when it could not be. */
  readonly sha256From: 'server' | 'cache' | { readonly unreadable: string }
  readonly cachedFile: string
  readonly state: BaseImageState
}

/** The digest the last verified download recorded beside the cached file. */
export function digestFilePath(cachedFile: string): string {
  return `${cachedFile}.sha256`
}

async function published(
  spec: CloudImageSpec,
  offline: boolean,
): Promise<Pick<PlannedBaseImage, 'sha256' | 'sha256From'>> {
  let reason = 'DIB_OFFLINE is set and no copy of the list is cached'
  if (!offline) {
    try {
      const response = await getHttpText(spec.sumsUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) })
      if (!isOk(response.status)) throw new Error(`HTTP status ${response.status}`)
      const sha256 = checksumFor(response.text, spec.file)
      if (sha256 === undefined)
        return { sha256, sha256From: { unreadable: `no entry for ${spec.file}` } }
      return { sha256, sha256From: 'server' }
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
      reason = `${error instanceof Error ? error.message : String(error)}${cause}`
    }
  }
  const cached = await readFile(spec.cachedSums, 'utf8').catch(() => undefined)
  const sha256 = cached === undefined ? undefined : checksumFor(cached, spec.file)
  return sha256 === undefined
    ? { sha256, sha256From: { unreadable: reason } }
    : { sha256, sha256From: 'cache' }
}

export async function planBaseImage(
  spec: CloudImageSpec,
  offline: boolean,
): Promise<PlannedBaseImage> {
  const { sha256, sha256From } = await published(spec, offline)
  const recorded = await readFile(digestFilePath(spec.cachedFile), 'utf8')
    .then((text) => text.trim().split(/\s+/)[0])
    .catch(() => undefined)
  const state: BaseImageState = !existsSync(spec.cachedFile)
    ? 'absent'
    : sha256 === undefined || recorded === undefined
      ? 'unchecked'
      : recorded === sha256
        ? 'current'
        : 'outdated'
  return {
    url: spec.url,
    sumsUrl: spec.sumsUrl,
    sha256,
    sha256From,
    cachedFile: spec.cachedFile,
    state,
  }
}

/** The lines of `plan`'s "Base image" section. */
export function describeBaseImage(image: PlannedBaseImage, offline: boolean): string[] {
  const from =
    typeof image.sha256From === 'object'
      ? `unknown (${image.sumsUrl}: ${image.sha256From.unreadable})`
      : `${image.sha256 ?? ''} (${image.sha256From === 'server' ? image.sumsUrl : `cached ${image.sumsUrl}`})`
  const states: Record<BaseImageState, string> = {
    current: 'cached, matches the published checksum: not downloaded again',
    outdated: offline
      ? 'cached, differs from the published checksum: used as it is (offline)'
      : 'cached, differs from the published checksum: downloaded again',
    absent: offline
      ? 'not cached: an offline build stops'
      : 'not cached: downloaded and verified by the build',
    unchecked: 'cached, not verified yet: the build checks it',
  }
  return [
    `  ${image.url}`,
    `  sha256: ${from}`,
    `  cache:  ${image.cachedFile}: ${states[image.state]}`,
  ]
}
