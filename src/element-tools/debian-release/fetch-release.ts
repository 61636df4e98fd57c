// Reads the head of dists/SUITE/Release from a mirror (http, https or file URL), keeping a copy
// below DIB_IMAGE_CACHE that offline builds, and online builds that lose the mirror, fall back on.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getHttpText, isOk } from '../../util/http-get.ts'
import { parseReleaseHead, type ReleaseFacts } from './release-file.ts'

const TIMEOUT_MS = 30_000
/** The fields come first; the checksum lists after them are long and not needed. */
const HEAD_BYTES = 16 * 1024

export type FetchOutcome =
  | { readonly kind: 'found'; readonly facts: ReleaseFacts; readonly from: 'mirror' | 'cache' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreachable'; readonly reason: string }

export function releaseUrl(mirror: string, suite: string): string {
  return `${mirror}/dists/${suite}/Release`
}

/** The cache file of one suite of one mirror: the mirror URL made into a file name. */
export function cachePath(cacheDir: string, mirror: string, suite: string): string {
  return join(
    cacheDir,
    `${mirror.replace(/^[a-z]+:\/+/, '').replace(/[^A-Za-z0-9.-]+/g, '_')}_${suite}.Release`,
  )
}

/** The head of the suite's Release file from the mirror; "missing" when the mirror has none. */
export async function fetchReleaseHead(
  mirror: string,
  suite: string,
): Promise<{ text: string } | 'missing'> {
  const url = releaseUrl(mirror, suite)
  if (url.startsWith('file:')) {
    try {
      return { text: (await readFile(new URL(url), 'utf8')).slice(0, HEAD_BYTES) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
      throw error
    }
  }
  const { status, text } = await getHttpText(url, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
    enough: (head) => head.length >= HEAD_BYTES || /\n(MD5Sum|SHA256):/.test(head),
  })
  if (status === 404 || status === 410) return 'missing'
  if (!isOk(status)) throw new Error(`HTTP status ${status}`)
  return { text }
}

async function readCached(
  cacheDir: string | undefined,
  mirror: string,
  suite: string,
): Promise<ReleaseFacts | undefined> {
  if (cacheDir === undefined) return undefined
  const text = await readFile(cachePath(cacheDir, mirror, suite), 'utf8').catch(() => undefined)
  return text === undefined ? undefined : parseReleaseHead(text)
}

async function writeCached(
  cacheDir: string,
  mirror: string,
  suite: string,
  text: string,
): Promise<void> {
  await mkdir(cacheDir, { recursive: true })
  const file = cachePath(cacheDir, mirror, suite)
  await writeFile(`${file}.tmp.${process.pid}`, text)
  await rename(`${file}.tmp.${process.pid}`, file)
}

export interface LookupOptions {
  readonly cacheDir: string | undefined
  /** Do not ask the mirror: only the cached copy counts. */
  readonly offline: boolean
}

/** What the suite stands for: from the mirror (then cached), or from the cache. */
export async function lookUpSuite(
  mirror: string,
  suite: string,
  options: LookupOptions,
): Promise<FetchOutcome> {
  if (options.offline) {
    const cached = await readCached(options.cacheDir, mirror, suite)
    return cached === undefined
      ? { kind: 'unreachable', reason: 'DIB_OFFLINE is set and no copy is cached' }
      : { kind: 'found', facts: cached, from: 'cache' }
  }
  let reason: string
  try {
    const head = await fetchReleaseHead(mirror, suite)
    if (head === 'missing') return { kind: 'missing' }
    const facts = parseReleaseHead(head.text)
    if (facts === undefined) throw new Error('the file has no Codename or Date field')
    if (options.cacheDir !== undefined)
      await writeCached(options.cacheDir, mirror, suite, head.text)
    return { kind: 'found', facts, from: 'mirror' }
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined
    reason = [
      error instanceof Error ? error.message : String(error),
      cause instanceof Error ? cause.message : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(': ')
  }
  const cached = await readCached(options.cacheDir, mirror, suite)
  return cached === undefined
    ? { kind: 'unreachable', reason }
    : { kind: 'found', facts: cached, from: 'cache' }
}
